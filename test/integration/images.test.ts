// Images on an ordinary user's store: load (docker-archive, oci-archive),
// import, images, rmi; whiteouts across layers; hostile layers refused.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { containerProcesses, storeMounts, tspod, userProcesses, waitFor } from './helpers.js';
import { dockerArchive, rawTar, readLayer } from './fixtures.js';

afterEach(async () => {
  expect(await waitFor(() => userProcesses(containerProcesses).length === 0, 5000)).toBe(true);
  expect(storeMounts()).toEqual([]);
});

const none = ['--network', 'none'];

function storeEntries(sub: string): string[] {
  try {
    return readdirSync(join(inject('tspodEnv').XDG_DATA_HOME!, 'tspod', sub)).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}

describe('load and import', () => {
  it('lists the embedded busybox image as localhost/busybox:latest, reachable as busybox', async () => {
    const r = await tspod(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(r.stdout.split('\n')).toContain('localhost/busybox:latest');
    expect((await tspod(['run', '--rm', ...none, 'localhost/busybox:latest', 'true'])).exitCode).toBe(0);
    expect((await tspod(['run', '--rm', ...none, 'busybox:latest', 'true'])).exitCode).toBe(0);
  });

  it('loads an oci-archive of the same image to the same id, sharing the layer', async () => {
    const { ociArchive } = inject('tspodImages');
    const layersBefore = storeEntries('layers');
    const before = (await tspod(['images', '-q', '--no-trunc'])).stdout;
    const r = await tspod(['load', '-i', ociArchive]);
    expect(r.stdout).toBe('Loaded image: localhost/busybox:latest');
    expect((await tspod(['images', '-q', '--no-trunc'])).stdout).toBe(before);
    expect(storeEntries('layers')).toEqual(layersBefore);
  });

  it('imports a root filesystem tarball as localhost/NAME:latest', async () => {
    const { layerTar } = inject('tspodImages');
    const r = await tspod(['import', layerTar, 'imported']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}$/);
    const images = await tspod(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    expect(images.stdout).toContain(`localhost/imported:latest ${r.stdout.slice(0, 12)}`);
    const run = await tspod(['run', '--rm', ...none, 'imported', 'echo', 'from-import']);
    expect(run.stdout).toBe('from-import');
    const rmi = await tspod(['rmi', 'imported']);
    expect(rmi.stdout).toContain('Untagged: localhost/imported:latest');
    expect((await tspod(['run', '--rm', ...none, 'imported', 'true'])).exitCode).toBe(125);
  });

  it('refuses to remove an image a container uses, unless -f', async () => {
    const { layerTar } = inject('tspodImages');
    await tspod(['import', layerTar, 'inuse']);
    await tspod(['run', ...none, '--name', 'uses-inuse', 'inuse', 'true']);
    const r = await tspod(['rmi', 'inuse']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/in use by a container/);
    await tspod(['rm', 'uses-inuse']);
    expect((await tspod(['rmi', 'inuse'])).exitCode).toBe(0);
  });

  it('says what is wrong with a file that is not an image archive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-bad-'));
    writeFileSync(join(dir, 'junk.tar'), 'not a tar at all');
    const r = await tspod(['load', '-i', join(dir, 'junk.tar')]);
    expect(r.exitCode).toBe(125);
    const missing = await tspod(['load', '-i', join(dir, 'missing.tar')]);
    expect(missing.stderr).toMatch(/no such file/);
  });
});

describe('layers', () => {
  it('applies whiteouts and opaque directories across layers (fuse-overlayfs and native)', async () => {
    const { layerTar } = inject('tspodImages');
    const middle = rawTar([
      { path: 'etc/', type: 'Directory' },
      { path: 'etc/motd', body: 'hello\n' },
      { path: 'opaque/', type: 'Directory' },
      { path: 'opaque/old', body: 'old\n' },
      { path: 'gone/', type: 'Directory' },
      { path: 'gone/file', body: 'x' },
      { path: 'usr/', type: 'Directory' },
      { path: 'usr/suid', body: '#!/bin/sh\nid -u\n', mode: 0o4755 },
    ]);
    const top = rawTar([
      { path: 'etc/', type: 'Directory' },
      { path: 'etc/.wh.motd' },
      { path: '.wh.gone' },
      { path: 'opaque/', type: 'Directory' },
      { path: 'opaque/.wh..wh..opq' },
      { path: 'opaque/new', body: 'new\n' },
    ]);
    const archive = dockerArchive('localhost/layered:latest', [readLayer(layerTar), middle, top]);
    expect((await tspod(['load', '-i', archive])).exitCode).toBe(0);
    // A setuid file stays setuid inside: harmless, its owner is the user namespace's root.
    const script = 'ls /etc/motd /gone 2>&1 | grep -c "No such file"; ls /opaque; stat -c %a /usr/suid';
    for (const opts of [[], ['--storage-opt', 'overlay.mount_program=']]) {
      const r = await tspod([...opts, 'run', '--rm', ...none, 'layered', 'sh', '-c', script]);
      expect(r.stdout.split('\n'), opts.join(' ')).toEqual(['2', 'new', '4755']);
    }
    await tspod(['rmi', 'layered']);
  });

  it.each([
    ['a path with ..', [{ path: '../escaped', body: 'x' }], /contains ".."/],
    ['an absolute path', [{ path: '/abs-escaped', body: 'x' }], /absolute path/],
    ['a write through a symlink', [{ path: 'link', type: 'SymbolicLink' as const, linkpath: '/tmp' }, { path: 'link/escaped', body: 'x' }], /through the symlink "link"/],
    ['a hard link out of the layer', [{ path: 'hard', type: 'Link' as const, linkpath: '../../../etc/passwd' }], /hard link target/],
  ])('refuses a layer with %s, stores nothing and writes nothing outside', async (_what, entries, message) => {
    const imagesBefore = (await tspod(['images', '-q'])).stdout;
    const layersBefore = storeEntries('layers');
    const archive = dockerArchive('localhost/hostile:latest', [rawTar(entries as never)]);
    const r = await tspod(['load', '-i', archive]);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(message);
    expect((await tspod(['images', '-q'])).stdout).toBe(imagesBefore);
    expect(storeEntries('layers')).toEqual(layersBefore);
    expect(existsSync('/tmp/escaped')).toBe(false);
    const data = join(inject('tspodEnv').XDG_DATA_HOME!, 'tspod');
    expect(existsSync(join(data, 'layers', '..', 'escaped'))).toBe(false);
    expect(readdirSync(join(data, 'layers')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('refuses an archive whose layer does not match the config diff_id', async () => {
    const archive = dockerArchive('localhost/corrupt:latest', [rawTar([{ path: 'a', body: 'a' }])]);
    // Swap the layer's content after the config recorded its digest.
    const { execFileSync } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'tspod-corrupt-'));
    execFileSync('tar', ['-xf', archive, '-C', dir]);
    const layerDir = readdirSync(dir).find((n) => /^[0-9a-f]{64}$/.test(n))!;
    writeFileSync(join(dir, layerDir, 'layer.tar'), rawTar([{ path: 'b', body: 'evil' }]));
    execFileSync('tar', ['-cf', archive, '-C', dir, '.']);
    const r = await tspod(['load', '-i', archive]);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/does not match the image config.*corrupt/);
    expect((await tspod(['images', '--format', '{{.Repository}}'])).stdout).not.toContain('corrupt');
  });
});

describe('system commands', () => {
  it('doctor passes on the prepared host and names each prerequisite', async () => {
    const r = await tspod(['doctor']);
    expect(r.exitCode).toBe(0);
    for (const name of ['user namespaces', 'subuid/subgid', 'newuidmap', 'newgidmap', '/dev/fuse', 'fuse-overlayfs', 'user namespace mapping', 'slirp4netns', 'cgroups', 'XDG_RUNTIME_DIR']) {
      expect(r.stdout).toMatch(new RegExp(`^(ok  |note)  ${name}:`, 'm'));
    }
  });

  it('info reports the store, rootless and the id mappings; --format takes templates and json', async () => {
    const tpl = await tspod(['info', '--format', '{{.Host.Security.Rootless}} {{.Store.GraphDriverName}} {{.Store.GraphRoot}}']);
    expect(tpl.stdout).toBe(`true overlay ${join(inject('tspodEnv').XDG_DATA_HOME!, 'tspod')}`);
    const json = JSON.parse((await tspod(['info', '--format', 'json'])).stdout);
    expect(json.host.idMappings.uidmap[0]).toEqual({ container_id: 0, host_id: process.getuid!(), size: 1 });
    // The fields podman's own tests read (Go names; CgroupsVersion is JSON's cgroupVersion).
    const id = /^ID=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))![1]!.replace(/"/g, '');
    const host = await tspod(['info', '--format', '{{.Host.Distribution.Distribution}} {{.Host.EventLogger}} {{.Host.LogDriver}} {{.Host.CgroupsVersion}} {{.Host.NetworkBackend}}']);
    expect(host.stdout).toBe(`${id} none k8s-file ${json.host.cgroupVersion} tspod`);
    expect(Object.keys(json.host)).not.toContain('cgroupsVersion');
  });

  it('version prints the package version', async () => {
    const { readFileSync } = await import('node:fs');
    const { root } = await import('./helpers.js');
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    expect((await tspod(['--version'])).stdout).toBe(`tspod version ${version}`);
    expect((await tspod(['version', '--format', '{{.Client.Version}}'])).stdout).toBe(version);
  });
});
