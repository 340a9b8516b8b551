// Local image commands: tag, untag, rmi of one name, history, save and load
// round trips (docker-archive, oci-archive, oci-dir, stdin), image prune,
// the grouped spellings, and podman interoperability when podman is installed.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { inject } from 'vitest';
import { testEnv, tspod } from './helpers.js';

const names = async () => (await tspod(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n').filter(Boolean).sort();
const busyboxId = async () => (await tspod(['images', '-q', '--no-trunc', '--filter', 'reference=localhost/busybox'])).stdout;

describe('names', () => {
  it('tag adds names, rmi of one name only untags it, untag removes the rest', async () => {
    const id = await busyboxId();
    await tspod(['tag', 'busybox', 'mybox:v1', 'quay.io/team/tool:2']);
    expect(await names()).toEqual(expect.arrayContaining(['localhost/mybox:v1', 'quay.io/team/tool:2']));
    expect((await tspod(['images', '--filter', 'reference=mybox', '--format', '{{.Repository}}'])).stdout).toBe('localhost/mybox');
    const rmi = await tspod(['rmi', 'quay.io/team/tool:2']);
    expect(rmi.stdout).toBe('Untagged: quay.io/team/tool:2');
    expect(await busyboxId()).toBe(id);
    await tspod(['untag', 'busybox', 'mybox:v1']);
    expect(await names()).not.toContain('localhost/mybox:v1');
    const bad = await tspod(['untag', 'busybox', 'never-was']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toMatch(/not a name of image/);
  });

  it('history shows the image\'s layers, newest first', async () => {
    const r = await tspod(['history', 'busybox']);
    expect(r.stdout.split('\n')[0]).toMatch(/^ID\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(r.stdout.split('\n')[1]).toMatch(/^[0-9a-f]{12}\s.*busybox-static with applet links\s+2\.\d+ MB/);
  });

  it('image ls / image rm / container ls are podman\'s grouped spellings', async () => {
    expect((await tspod(['image', 'ls', '-q'])).stdout).toBe((await tspod(['images', '-q'])).stdout);
    expect((await tspod(['container', 'ls', '-a', '-q'])).exitCode).toBe(0);
    const bad = await tspod(['image', 'frobnicate']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toMatch(/unrecognized command `tspod image frobnicate`/);
  });
});

describe('save and load', () => {
  it.each(['docker-archive', 'oci-archive', 'oci-dir'])('%s: save, rmi, load gives back the same image id', async (format) => {
    const id = await busyboxId();
    await tspod(['tag', 'busybox', 'roundtrip:1']);
    const dir = mkdtempSync(join(tmpdir(), 'tspod-save-'));
    const out = join(dir, format === 'oci-dir' ? 'layout' : 'image.tar');
    expect((await tspod(['save', '--format', format, '-o', out, 'roundtrip:1'])).exitCode).toBe(0);
    await tspod(['rmi', 'roundtrip:1']);
    if (format === 'oci-dir') {
      expect(existsSync(join(out, 'oci-layout'))).toBe(true);
      expect(JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')).manifests[0].annotations['org.opencontainers.image.ref.name']).toBe('localhost/roundtrip:1');
      await execa('tar', ['-cf', `${out}.tar`, '-C', out, '.']);
    }
    const load = await tspod(['load', '-i', format === 'oci-dir' ? `${out}.tar` : out]);
    expect(load.stdout).toBe('Loaded image: localhost/roundtrip:1');
    expect((await tspod(['images', '-q', '--no-trunc', '--filter', 'reference=roundtrip'])).stdout).toBe(id);
    await tspod(['rmi', 'roundtrip:1']);
  });

  it('load reads an archive from stdin', async () => {
    const r = await tspod(['load'], { input: readFileSync(inject('tspodImages').dockerArchive), stdin: undefined });
    expect(r.stdout).toBe('Loaded image: localhost/busybox:latest');
  });

  it('image prune removes unnamed images no container uses', async () => {
    const { layerTar } = inject('tspodImages');
    const id = (await tspod(['import', layerTar])).stdout; // imported without a name: dangling
    expect((await tspod(['images', '-q', '--no-trunc', '--filter', 'dangling=true'])).stdout).toContain(id);
    const r = await tspod(['image', 'prune', '-f']);
    expect(r.stdout.split('\n')).toContain(id);
    expect((await tspod(['images', '-q', '--no-trunc'])).stdout).not.toContain(id);
    expect(await busyboxId()).not.toBe('');
  });
});

const podman = existsSync('/usr/bin/podman') ? '/usr/bin/podman' : undefined;

describe.skipIf(!podman)('podman interoperability (podman installed)', () => {
  // podman with a store of its own, so nothing of the user's is touched.
  const root = mkdtempSync(join(tmpdir(), 'tspod-podman-'));
  const p = (args: string[]) => execa(podman!, ['--root', join(root, 'root'), '--runroot', join(root, 'run'), '--storage-driver', 'vfs', ...args], { env: testEnv(), reject: false });

  it('podman loads what tspod saves, and tspod loads what podman saves, with the same image id', async () => {
    const id = (await busyboxId()).slice(7);
    for (const format of ['docker-archive', 'oci-archive']) {
      const file = join(root, `${format}.tar`);
      await tspod(['save', '--format', format, '-o', file, 'busybox']);
      const load = await p(['load', '-i', file]);
      expect(load.exitCode, load.stderr).toBe(0);
      expect((await p(['images', '-q', '--no-trunc'])).stdout).toContain(id);
      const back = join(root, `podman-${format}.tar`);
      expect((await p(['save', '--format', format, '-o', back, 'localhost/busybox:latest'])).exitCode).toBe(0);
      await tspod(['tag', 'busybox', 'keep:me']);
      const r = await tspod(['load', '-i', back]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect((await tspod(['images', '-q', '--no-trunc', '--filter', 'reference=localhost/busybox'])).stdout).toBe(`sha256:${id}`);
      await tspod(['untag', 'busybox', 'keep:me']);
    }
  });
});

if (!podman) console.log('podman interoperability tests skipped: podman is not installed (apt-get install podman runc)');
