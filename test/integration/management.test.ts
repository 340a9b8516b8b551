// podman's management spellings that scripts test with: container/image exists (exit 0/1),
// container ps, system info, kube play|generate|down. (Budget: about 20 s.)
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tspod } from './helpers.js';

afterEach(async () => {
  await tspod(['rm', '-a', '-f']);
});

describe('management spellings', () => {
  it('container exists and image exists answer with the exit code', async () => {
    expect((await tspod(['create', '--name', 'here', '--network', 'none', 'busybox', 'true'])).exitCode).toBe(0);
    expect((await tspod(['container', 'exists', 'here'])).exitCode).toBe(0);
    const missing = await tspod(['container', 'exists', 'nothere']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe('');
    expect((await tspod(['image', 'exists', 'busybox'])).exitCode).toBe(0);
    expect((await tspod(['image', 'exists', 'localhost/nothere:latest'])).exitCode).toBe(1);
    expect((await tspod(['container', 'exists'])).exitCode).toBe(125);
    expect((await tspod(['container', 'ps', '-a', '--format', '{{.Names}}'])).stdout).toBe('here');
    expect((await tspod(['system', 'info', '--format', '{{.Host.OS}}'])).stdout).toBe('linux');
  });

  it('kube play, generate and down are play kube, generate kube and play kube --down', async () => {
    const yaml = join(tmpdir(), `tspod-kube-${process.pid}.yaml`);
    writeFileSync(yaml, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kp\nspec:\n  containers:\n  - name: c\n    image: busybox\n    command: ["sleep", "60"]\n');
    const play = await tspod(['kube', 'play', yaml]);
    expect(play.exitCode, play.stderr).toBe(0);
    expect((await tspod(['pod', 'exists', 'kp'])).exitCode).toBe(0);
    expect((await tspod(['kube', 'generate', 'kp'])).stdout).toMatch(/kind: Pod/);
    expect((await tspod(['kube', 'down', yaml])).exitCode).toBe(0);
    expect((await tspod(['pod', 'exists', 'kp'])).exitCode).toBe(1);
  });

  it('shows control characters from an archive escaped in its error, not raw to the terminal', async () => {
    const { rawTar } = await import('./fixtures.js');
    const tar = join(tmpdir(), `tspod-esc-${process.pid}.tar`);
    writeFileSync(tar, rawTar([{ path: '\x1b]0;PWNED\x07\x1b[31mRED/../x', body: 'x' }]));
    const r = await tspod(['import', tar, 'escname']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).not.toMatch(/[\x1b\x07]/);
    expect(r.stderr).toContain('\\x1b]0;PWNED\\x07');
  });

  it('rm prints back what it was given, refuses a running container with exit 2, and --force ignores a missing one', async () => {
    expect((await tspod(['create', '--name', 'byname', '--network', 'none', 'busybox', 'true'])).exitCode).toBe(0);
    expect((await tspod(['rm', 'byname'])).stdout).toBe('byname');
    const d = await tspod(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60']);
    const id = d.stdout.trim();
    const running = await tspod(['rm', id]);
    expect(running.exitCode).toBe(2);
    expect(running.stderr).toBe(`Error: cannot remove container ${id} as it is running - running or paused containers cannot be removed without force: container state improper`);
    expect((await tspod(['rm', '-f', '-t', '0', id])).exitCode).toBe(0);
    const bogus = await tspod(['rm', 'bogus']);
    expect(bogus.exitCode).toBe(1);
    expect(bogus.stderr).toBe('Error: no container with name or ID "bogus" found: no such container');
    const forced = await tspod(['container', 'rm', '--force', 'bogus']);
    expect([forced.exitCode, forced.stdout, forced.stderr]).toEqual([0, '', '']);
  });
});

