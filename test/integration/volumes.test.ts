// Named and anonymous volumes as a podman user drives them: tspod volume ..., run -v NAME:/path,
// -v /path, copy-up of the image's content, rm -v, export and import. (Budget: about a minute.)
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { tspod } from './helpers.js';

const none = ['--network', 'none'];
const volumeDirs = () => {
  try {
    return readdirSync(join(inject('tspodEnv').XDG_DATA_HOME!, 'tspod', 'volumes'));
  } catch {
    return [];
  }
};

beforeAll(async () => {
  // Earlier files may have left volumes behind (their containers named them): start from none.
  await tspod(['rm', '-a', '-f']);
  await tspod(['volume', 'rm', '-a', '-f']);
});

afterEach(async () => {
  await tspod(['rm', '-a', '-f']);
  await tspod(['volume', 'rm', '-a', '-f']);
});

describe('tspod volume', () => {
  it('creates, lists, inspects in podman\'s shape, tells existence by exit code and removes', async () => {
    const c = await tspod(['volume', 'create', '--label', 'app=web', 'data']);
    expect(c.exitCode).toBe(0);
    expect(c.stdout).toBe('data');
    const dup = await tspod(['volume', 'create', 'data']);
    expect(dup.exitCode).toBe(125);
    expect(dup.stderr).toBe('Error: volume with name data already exists: volume already exists');
    expect((await tspod(['volume', 'create', '--ignore', 'data'])).exitCode).toBe(0);
    const bad = await tspod(['volume', 'create', 'bad name']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toMatch(/names must match \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]\*/);
    expect((await tspod(['volume', 'create', '--opt', 'bogus=1', 'x'])).stderr).toBe('Error: invalid mount option bogus for driver \'local\': invalid argument');

    const [info] = JSON.parse((await tspod(['volume', 'inspect', 'data'])).stdout);
    expect(info).toMatchObject({ Name: 'data', Driver: 'local', Scope: 'local', Labels: { app: 'web' }, Options: {}, MountCount: 0 });
    expect(info.Mountpoint).toMatch(/\/tspod\/volumes\/data\/_data$/);
    expect(Date.parse(info.CreatedAt)).not.toBeNaN();
    const missing = await tspod(['volume', 'inspect', 'nope']);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr).toBe('Error: inspecting object: no such volume nope');

    await tspod(['volume', 'create', 'other']);
    expect((await tspod(['volume', 'ls'])).stdout.split('\n')).toEqual([expect.stringMatching(/^DRIVER\s+VOLUME NAME$/), expect.stringMatching(/^local\s+data$/), expect.stringMatching(/^local\s+other$/)]);
    expect((await tspod(['volume', 'ls', '-q', '--filter', 'label=app=web'])).stdout).toBe('data');
    expect((await tspod(['volume', 'ls', '--format', '{{.Name}} {{.Labels.app}}', '--filter', 'name=oth'])).stdout).toBe('other <no value>');
    expect((await tspod(['volume', 'exists', 'data'])).exitCode).toBe(0);
    expect((await tspod(['volume', 'exists', 'nope'])).exitCode).toBe(1);
    const rmMissing = await tspod(['volume', 'rm', 'nope']);
    expect(rmMissing.exitCode).toBe(1);
    expect(rmMissing.stderr).toBe('Error: no volume with name "nope" found: no such volume');
    expect((await tspod(['volume', 'rm', 'data', 'other'])).stdout).toBe('data\nother');
    expect(volumeDirs()).toEqual([]);
  });

  it('keeps data between containers; a volume in use is refused (exit 2) unless -f, which removes its container too', async () => {
    expect((await tspod(['run', '--rm', ...none, '-v', 'data:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f; chown 1000:1000 /data/f'])).exitCode).toBe(0);
    const read = await tspod(['run', '--rm', ...none, '-v', 'data:/srv:ro', 'busybox', 'sh', '-c', 'cat /srv/f; stat -c %u:%g /srv/f; touch /srv/g 2>&1']);
    expect(read.stdout.split('\n').slice(0, 2)).toEqual(['kept', '1000:1000']);
    expect(read.stdout).toMatch(/Read-only file system/);
    expect((await tspod(['create', '--name', 'user', ...none, '-v', 'data:/data', 'busybox', 'true'])).exitCode).toBe(0);
    const inUse = await tspod(['volume', 'rm', 'data']);
    expect(inUse.exitCode).toBe(2);
    expect(inUse.stderr).toMatch(/^Error: volume data is being used by the following container\(s\): [0-9a-f]{64}: volume is being used$/);
    expect((await tspod(['volume', 'rm', '-f', 'data'])).exitCode).toBe(0);
    expect((await tspod(['ps', '-a', '-q'])).stdout).toBe('');
  });

  it('fills a new volume with the image\'s content at its mount point, owners kept; nocopy leaves it empty', async () => {
    const r = await tspod(['run', '--rm', ...none, '-v', 'etc:/etc', 'busybox', 'sh', '-c', 'ls /etc; stat -c %u /etc/passwd']);
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['passwd', 'group', '0']));
    expect((await tspod(['run', '--rm', ...none, '-v', 'etc:/mnt', 'busybox', 'ls', '/mnt'])).stdout).toMatch(/passwd/);
    // only tspod's own /etc files, bound over the volume (mounts go shallow first, as podman's: the same three)
    expect((await tspod(['run', '--rm', ...none, '-v', 'empty:/etc:nocopy', 'busybox', 'ls', '/etc'])).stdout).toBe('hostname\nhosts\nresolv.conf');
  });

  it('makes anonymous volumes for -v /path that go with run --rm and rm -v, not with plain rm', async () => {
    expect((await tspod(['run', '--rm', ...none, '-v', '/scratch', 'busybox', 'touch', '/scratch/x'])).exitCode).toBe(0);
    expect(volumeDirs()).toEqual([]);
    expect((await tspod(['run', '--name', 'a', ...none, '-v', '/scratch', 'busybox', 'true'])).exitCode).toBe(0);
    const [anon] = JSON.parse((await tspod(['volume', 'inspect', '--all'])).stdout);
    expect(anon.Name).toMatch(/^[0-9a-f]{64}$/);
    expect(anon.Anonymous).toBe(true);
    expect((await tspod(['rm', '-v', 'a'])).exitCode).toBe(0);
    expect(volumeDirs()).toEqual([]);
    expect((await tspod(['run', '--name', 'b', ...none, '-v', '/scratch', 'busybox', 'true'])).exitCode).toBe(0);
    expect((await tspod(['rm', 'b'])).exitCode).toBe(0);
    expect(volumeDirs()).toHaveLength(1);
    expect((await tspod(['volume', 'prune', '-f'])).stdout).toMatch(/^[0-9a-f]{64}$/);
    expect(volumeDirs()).toEqual([]);
  });

  it('exports a volume as tar and imports it into another, from a file and from stdin', async () => {
    await tspod(['run', '--rm', ...none, '-v', 'src:/v', 'busybox', 'sh', '-c', 'mkdir /v/d; echo one > /v/d/f; chown 1000 /v/d/f; ln -s /etc/passwd /v/link']);
    const dir = mkdtempSync(join(tmpdir(), 'tspod-vol-'));
    const tar = join(dir, 'v.tar');
    expect((await tspod(['volume', 'export', '-o', tar, 'src'])).exitCode).toBe(0);
    await tspod(['volume', 'create', 'dst']);
    expect((await tspod(['volume', 'import', 'dst', tar])).exitCode).toBe(0);
    const check = ['run', '--rm', ...none, '-v', 'dst:/v', 'busybox', 'sh', '-c', 'cat /v/d/f; stat -c %u /v/d/f; readlink /v/link'];
    expect((await tspod(check)).stdout).toBe('one\n1000\n/etc/passwd');
    await tspod(['volume', 'create', 'viastdin']);
    const { execa } = await import('execa');
    const { testEnv, tspodBin } = await import('./helpers.js');
    const piped = await execa(tspodBin, ['volume', 'import', 'viastdin', '-'], { env: testEnv(), reject: false, inputFile: tar });
    expect(piped.exitCode).toBe(0);
    expect((await tspod(['run', '--rm', ...none, '-v', 'viastdin:/v', 'busybox', 'cat', '/v/d/f'])).stdout).toBe('one');
    // Only into an empty volume, so that a refused archive changes nothing.
    const full = await tspod(['volume', 'import', 'dst', tar]);
    expect(full.exitCode).toBe(125);
    expect(full.stderr).toMatch(/volume dst is not empty/);
    // A hostile archive is refused like a hostile layer: nothing written through its symlink, and
    // what came before the bad entry is not kept either.
    const { rawTar } = await import('./fixtures.js');
    const evil = join(dir, 'evil.tar');
    writeFileSync(evil, rawTar([{ path: 'good.txt', body: 'g' }, { path: 's', type: 'SymbolicLink', linkpath: dir }, { path: 's/escaped', body: 'x' }]));
    await tspod(['volume', 'create', 'evil']);
    const refused = await tspod(['volume', 'import', 'evil', evil]);
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toMatch(/^Error: the archive .*evil\.tar cannot be imported: /);
    expect(readdirSync(dir).sort()).toEqual(['evil.tar', 'v.tar']);
    expect((await tspod(['run', '--rm', ...none, '-v', 'evil:/v', 'busybox', 'ls', '-A', '/v'])).stdout).toBe('');
    // Not a layer: whiteout names are plain files.
    const wh = join(dir, 'wh.tar');
    writeFileSync(wh, rawTar([{ path: '.wh.victim', body: 'w' }, { path: 'd/', type: 'Directory' }, { path: 'd/.wh..wh..opq', body: 'o' }]));
    await tspod(['volume', 'create', 'plain']);
    expect((await tspod(['volume', 'import', 'plain', wh])).exitCode).toBe(0);
    expect((await tspod(['run', '--rm', ...none, '-v', 'plain:/v', 'busybox', 'cat', '/v/.wh.victim', '/v/d/.wh..wh..opq'])).stdout).toBe('wo');
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the same mount twice as one, refuses two at one destination; volume rm --force ignores a missing volume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-dup-'));
    expect((await tspod(['run', '--rm', ...none, '-v', `${dir}:/d`, '-v', `${dir}:/d`, 'busybox', 'true'])).exitCode).toBe(0);
    expect((await tspod(['run', '--rm', ...none, '-v', 'v1:/d', '-v', 'v1:/d', 'busybox', 'true'])).exitCode).toBe(0);
    const two = await tspod(['run', '--rm', ...none, '-v', 'v1:/d', '-v', 'v2:/d', 'busybox', 'true']);
    expect([two.exitCode, two.stderr]).toEqual([125, 'Error: /d: duplicate mount destination']);
    const withTmpfs = await tspod(['run', '--rm', ...none, '-v', `${dir}:/d`, '--tmpfs', '/d', 'busybox', 'true']);
    expect([withTmpfs.exitCode, withTmpfs.stderr]).toEqual([125, 'Error: /d: duplicate mount destination']);
    const forced = await tspod(['volume', 'rm', '--force', 'bogus']);
    expect([forced.exitCode, forced.stdout, forced.stderr]).toEqual([0, '', '']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses -v with a bad name or a relative target, and --mount-style options it does not know', async () => {
    const r = await tspod(['run', '--rm', ...none, '-v', 'bad name:/x', 'busybox', 'true']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/neither an absolute host path nor a volume name/);
    expect((await tspod(['run', '--rm', ...none, '-v', 'v:rel', 'busybox', 'true'])).stderr).toMatch(/must be absolute/);
    expect((await tspod(['run', '--rm', ...none, '-v', 'v:/x:bogus', 'busybox', 'true'])).stderr).toMatch(/unknown option "bogus"/);
    expect(volumeDirs()).toEqual([]);
  });
});
