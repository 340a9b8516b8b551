// What users mount and what images declare: --tmpfs options applied (or refused
// with podman's words), no mount over /proc, /sys or /dev/pts, a malformed
// Entrypoint named, a foreign platform warned about. Budget: ~1 min.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { containerDirs, tspod } from './helpers.js';

/** A docker-archive of the busybox layer whose config carries `patch` (top level and config). */
function busyboxWith(name: string, patch: { top?: Record<string, unknown>; config?: Record<string, unknown> }): string {
  const layer = readFileSync(inject('tspodImages').layerTar);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const dir = mkdtempSync(join(tmpdir(), 'tspod-mounts-'));
  const stage = join(dir, 'stage');
  mkdirSync(join(stage, sha(layer)), { recursive: true });
  writeFileSync(join(stage, sha(layer), 'layer.tar'), layer);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', ...patch.top,
    config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], ...patch.config },
    rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] },
  }));
  writeFileSync(join(stage, `${sha(config)}.json`), config);
  writeFileSync(join(stage, 'manifest.json'), JSON.stringify([{ Config: `${sha(config)}.json`, RepoTags: [name], Layers: [`${sha(layer)}/layer.tar`] }]));
  const out = join(dir, 'image.tar');
  execFileSync('tar', ['-cf', out, '-C', stage, '.']);
  return out;
}

const run = (args: string[]) => tspod(['run', '--rm', '--network', 'none', ...args]);

describe('--tmpfs options', () => {
  it('size, mode, noexec and ro reach the mount; the default is rw,nosuid,nodev', async () => {
    const r = await run(['--tmpfs', '/x:size=1m,mode=700,noexec', '--tmpfs', '/y', '--tmpfs', '/z:ro', 'busybox', 'sh', '-c',
      'grep -E " /(x|y|z) " /proc/mounts; stat -c "%a" /x; df -k /x | tail -1']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const opts = (dir: string) => lines.find((l) => l.startsWith(`tmpfs /${dir} `))?.split(' ')[3]?.split(',') ?? [];
    expect(opts('x')).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noexec', 'size=1024k', 'mode=700']));
    expect(opts('y')).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev']));
    expect(opts('y')).not.toContain('noexec');
    expect(opts('z')).toContain('ro');
    expect(lines).toContain('700');
    expect(lines.at(-1)).toMatch(/^tmpfs\s+1024\s/);
  });

  it('an unknown option is refused with podman\'s words, and nothing is created', async () => {
    const before = containerDirs().length;
    const r = await run(['--tmpfs', '/x:size=abc,bogus=1', 'busybox', 'true']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toBe('Error: unknown mount option "bogus=1": invalid mount option');
    expect(containerDirs().length).toBe(before);
    const bad = await run(['--tmpfs', '/x:size=abc', 'busybox', 'true']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toContain('invalid tmpfs option "size=abc"');
  });
});

describe('tspod\'s own mounts cannot be replaced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-vol-'));
  it.each([['-v', `${dir}:/proc`], ['--tmpfs', '/proc'], ['-v', `${dir}:/sys`], ['--tmpfs', '/dev/pts'], ['-v', `${dir}:/proc/sys`]])('%s %s is refused', async (flag, value) => {
    const r = await run([flag, value, 'busybox', 'true']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/^Error: .*cannot mount over \/(proc|sys|dev\/pts).*mount at another path$/);
  });
});

describe('image config', () => {
  it('an Entrypoint that is an object gives a clear error, and --entrypoint gets past it', async () => {
    const load = await tspod(['load', '-i', busyboxWith('localhost/badep:latest', { config: { Entrypoint: { sh: '-c' } } })]);
    expect(load.exitCode, load.stderr).toBe(0);
    const r = await run(['localhost/badep']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain("Error: the image's Entrypoint is a JSON object, not a list of strings");
    expect(r.stderr).not.toContain('iterable');
    const over = await run(['--entrypoint', 'echo', 'localhost/badep', 'fine']);
    expect(over.stdout).toBe('fine');
    await tspod(['rmi', 'localhost/badep']);
  });

  it('an image for another platform runs with podman\'s warning', async () => {
    expect((await tspod(['load', '-i', busyboxWith('localhost/s390:latest', { top: { architecture: 's390x' } })])).exitCode).toBe(0);
    const r = await run(['localhost/s390', 'echo', 'ran']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('ran');
    const host = process.arch === 'x64' ? 'amd64' : process.arch;
    expect(r.stderr).toBe(`WARNING: image platform (linux/s390x) does not match the expected platform (linux/${host})`);
    // The busybox image itself matches: no warning.
    expect((await run(['busybox', 'true'])).stderr).toBe('');
    await tspod(['rmi', 'localhost/s390']);
  });
});
