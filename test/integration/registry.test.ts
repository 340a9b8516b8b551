// Pull, push, login against Debian's docker-registry (started by the test
// set-up), and against a small registry of our own for auth by token and for
// what a real registry will not do: wrong digests, stalls, hostile layers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { inject } from 'vitest';
import { root, testEnv, tspod, tspodBin, waitFor } from './helpers.js';
import { rawTar } from './fixtures.js';
import { FakeRegistry } from './fake-registry.js';
import { testCredentials } from './registries.js';

const insecure = '--tls-verify=false';
const dirs: string[] = [];

/** An empty store (and config) of its own: what a first pull on a new machine sees. */
function freshEnv(extra: Record<string, string> = {}): Record<string, string> {
  const base = mkdtempSync(join(tmpdir(), 'tspod-reg-'));
  dirs.push(base);
  for (const d of ['data', 'config', 'run']) mkdirSync(join(base, d), { mode: 0o700 });
  return { ...testEnv(), XDG_DATA_HOME: join(base, 'data'), XDG_CONFIG_HOME: join(base, 'config'), XDG_RUNTIME_DIR: join(base, 'run'), ...extra };
}

function storeDir(env: Record<string, string>, sub: string): string[] {
  try {
    return readdirSync(join(env.XDG_DATA_HOME!, 'tspod', sub)).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}

async function inspectImage(ref: string, env: Record<string, string>) {
  const r = await tspod(['image', 'inspect', ref], { env });
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout)[0] as { Id: string; Digest: string; RepoDigests: string[]; RepoTags: string[]; Architecture: string };
}

afterAll(async () => {
  const { removeAsRoot } = await import(join(root, 'dist/lib/runtime/userns.js'));
  await removeAsRoot(dirs);
});

const regs = () => inject('registries');

describe('push and pull with docker-registry', () => {
  it('busybox: push, pull into empty storage with the same digest, run it; pull again skips the layer; pull by digest', async () => {
    const open = regs().open;
    const push = await tspod(['push', insecure, 'localhost/busybox', `${open}/busybox:1`]);
    expect(push.exitCode, push.stderr).toBe(0);
    expect(push.stderr).toContain('Writing manifest to image destination');
    const local = await inspectImage('localhost/busybox', testEnv());

    const env = freshEnv();
    const pull = await tspod(['pull', insecure, `${open}/busybox:1`], { env });
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(pull.stdout.trim()).toBe(local.Id);
    expect(pull.stderr).toContain(`Trying to pull ${open}/busybox:1...`);
    expect(pull.stderr).toMatch(/Copying blob [0-9a-f]{12} done/);
    const pulled = await inspectImage(`${open}/busybox:1`, env);
    expect(pulled.Digest).toBe(local.Digest);
    expect(pulled.RepoDigests).toContain(`${open}/busybox@${local.Digest}`);
    const run = await tspod(['run', '--rm', '--network', 'none', `${open}/busybox:1`, 'echo', 'pulled'], { env });
    expect(run.stdout).toBe('pulled');

    const again = await tspod(['pull', insecure, `${open}/busybox:1`], { env });
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toMatch(/Copying blob [0-9a-f]{12} skipped: already exists/);

    const env2 = freshEnv();
    const byDigest = await tspod(['pull', '-q', insecure, `${open}/busybox@${local.Digest}`], { env: env2 });
    expect(byDigest.exitCode, byDigest.stderr).toBe(0);
    expect(byDigest.stdout.trim()).toBe(local.Id);
    expect(byDigest.stderr).toBe('');
    expect((await tspod(['run', '--rm', '--network', 'none', `${open}/busybox@${local.Digest}`, 'true'], { env: env2 })).exitCode).toBe(0);
  });

  it('a multi-layer image goes up and comes back with every layer, and a copy to another repository keeps the digest', async () => {
    const open = regs().open;
    const ml = inject('multilayer');
    expect((await tspod(['load', '-q', '-i', ml.archive])).exitCode).toBe(0);
    const push = await tspod(['push', '-q', insecure, ml.name, `${open}/multilayer:1`]);
    expect(push.exitCode, push.stderr).toBe(0);
    const env = freshEnv();
    const pull = await tspod(['pull', insecure, `${open}/multilayer:1`], { env });
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(pull.stderr.match(/Copying blob [0-9a-f]{12} done/g)?.length).toBe(6);
    const files = await tspod(['run', '--rm', '--network', 'none', `${open}/multilayer:1`, 'busybox', 'ls', ...ml.files], { env });
    expect(files.exitCode, files.stderr).toBe(0);
    const cat = await tspod(['run', '--rm', '--network', 'none', `${open}/multilayer:1`, '/usr/bin/cat', '--version'], { env });
    expect(cat.stdout).toContain('GNU coreutils');

    // Pushed again from the pulled copy to another repository: blobs are mounted, the digest is kept.
    const copy = await tspod(['push', insecure, `${open}/multilayer:1`, `${open}/copy:2`], { env });
    expect(copy.exitCode, copy.stderr).toBe(0);
    expect(copy.stderr.match(/done \(mounted from another repository\)/g)?.length).toBe(7);
    const res = await fetch(`http://${open}/v2/copy/manifests/2`, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(res.headers.get('docker-content-digest')).toBe((await inspectImage(ml.name, testEnv())).Digest);
  });

  it('on a terminal, each layer has a live line with bytes and rate', async () => {
    const pty = await import('node-pty');
    const env = freshEnv();
    const term = pty.spawn(tspodBin, ['pull', insecure, `${regs().open}/multilayer:1`], { cols: 120, rows: 30, env });
    let out = '';
    term.onData((d) => (out += d));
    const exit = await new Promise<{ exitCode: number }>((r) => term.onExit(r));
    expect(exit.exitCode, out).toBe(0);
    expect(out).toMatch(/Copying blob [0-9a-f]{12} [\d.]+ [kMG]?B \/ [\d.]+ [kMG]?B [\d.]+ [kMG]?B\/s/);
    expect(out).toContain('\x1b[2K'); // lines redrawn in place
    expect(out.match(/Copying blob [0-9a-f]{12} done/g)?.length).toBeGreaterThanOrEqual(6);
  });

  it('concurrent pulls and rmis leave a consistent store', async () => {
    const open = regs().open;
    const env = freshEnv();
    const first = await Promise.all([
      tspod(['pull', '-q', insecure, `${open}/multilayer:1`], { env }),
      tspod(['pull', '-q', insecure, `${open}/multilayer:1`], { env }),
      tspod(['pull', '-q', insecure, `${open}/busybox:1`], { env }),
      tspod(['pull', '-q', insecure, `${open}/copy:2`], { env }),
    ]);
    for (const r of first) expect(r.exitCode, r.stderr).toBe(0);
    const second = await Promise.all([
      tspod(['rmi', `${open}/busybox:1`], { env }),
      tspod(['rmi', `${open}/copy:2`], { env }),
      tspod(['pull', '-q', insecure, `${open}/busybox:1`], { env }),
      tspod(['pull', '-q', insecure, `${open}/multilayer:1`], { env }),
    ]);
    for (const r of second) expect(r.exitCode, r.stderr).toBe(0);
    // Every listed image has its blobs and layers, and runs.
    const images = JSON.parse((await tspod(['images', '--format', 'json'], { env })).stdout) as Array<{ Names: string[] }>;
    for (const img of images) {
      const r = await tspod(['run', '--rm', '--network', 'none', img.Names[0]!, 'true'], { env });
      expect(r.exitCode, `${img.Names[0]}: ${r.stderr}`).toBe(0);
    }
    const records = storeDir(env, 'images').map((f) => JSON.parse(readFileSync(join(env.XDG_DATA_HOME!, 'tspod', 'images', f), 'utf8')));
    for (const rec of records) {
      for (const b of [rec.id, rec.digest, ...rec.layerBlobs]) expect(existsSync(join(env.XDG_DATA_HOME!, 'tspod', 'blobs', 'sha256', b.slice(7)))).toBe(true);
      for (const c of rec.chainIds) expect(existsSync(join(env.XDG_DATA_HOME!, 'tspod', 'layers', c.slice(7), 'layer.json'))).toBe(true);
    }
    expect(storeDir(env, 'tmp')).toEqual([]);
  });
});

describe('registries.conf', () => {
  function withConf(text: string): Record<string, string> {
    const env = freshEnv();
    mkdirSync(join(env.XDG_CONFIG_HOME!, 'tspod'), { recursive: true });
    writeFileSync(join(env.XDG_CONFIG_HOME!, 'tspod', 'registries.conf'), text);
    return env;
  }

  it('short names go through unqualified-search-registries and aliases; insecure comes from the file', async () => {
    const open = regs().open;
    const env = withConf(`unqualified-search-registries = ["${open}"]\n[aliases]\n"bb" = "${open}/busybox"\n[[registry]]\nlocation = "${open}"\ninsecure = true\n`);
    const r = await tspod(['pull', '-q', 'busybox:1'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await inspectImage('busybox:1', env)).RepoTags).toContain(`${open}/busybox:1`);
    const alias = await tspod(['pull', 'bb:1'], { env });
    expect(alias.exitCode, alias.stderr).toBe(0);
    expect(alias.stderr).toContain(`Trying to pull ${open}/busybox:1...`);
  });

  it('a mirror serves a registry that cannot be reached; a blocked registry is refused', async () => {
    const open = regs().open;
    const env = withConf(`[[registry]]\nprefix = "mirrored.invalid"\nlocation = "mirrored.invalid"\n[[registry.mirror]]\nlocation = "${open}"\ninsecure = true\n\n[[registry]]\nlocation = "${open}"\nblocked = true\n`);
    const viaMirror = await tspod(['pull', '-q', 'mirrored.invalid/busybox:1'], { env });
    expect(viaMirror.exitCode, viaMirror.stderr).toBe(0);
    expect((await tspod(['images', '--format', '{{.Repository}}:{{.Tag}}'], { env })).stdout).toBe('mirrored.invalid/busybox:1');
    const blocked = await tspod(['pull', insecure, `${open}/busybox:1`], { env });
    expect(blocked.exitCode).toBe(125);
    expect(blocked.stderr).toContain(`registry "${open}" is blocked in`);
  });

  it('a short name with no search registries says how to qualify it', async () => {
    const r = await tspod(['pull', 'busybox'], { env: withConf('# no search registries\n') });
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain('did not resolve to an alias and no unqualified-search-registries are defined');
  });
});

describe('credentials', () => {
  it('Basic auth: 401 says to log in; a bad password is refused; login, push, pull, logout', async () => {
    const auth = regs().auth;
    const env = freshEnv();
    const anon = await tspod(['push', insecure, 'localhost/busybox', `${auth}/busybox:1`]);
    expect(anon.exitCode).toBe(125);
    expect(anon.stderr).toContain(`tspod login ${auth}`);

    const authFile = join(env.XDG_RUNTIME_DIR!, 'containers', 'auth.json');
    const bad = await execa(tspodBin, ['login', insecure, '-u', 'tester', '--password-stdin', auth], { env, input: 'wrong\n', reject: false });
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toContain('rejected the credentials');
    expect(existsSync(authFile)).toBe(false);

    const good = await execa(tspodBin, ['login', insecure, '-u', testCredentials.username, '--password-stdin', auth], { env, input: `${testCredentials.password}\n`, reject: false });
    expect(good.exitCode, good.stderr).toBe(0);
    expect(good.stdout).toBe('Login Succeeded!');
    expect(statSync(authFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(authFile, 'utf8')).auths[auth].auth).toBe(Buffer.from(`${testCredentials.username}:${testCredentials.password}`).toString('base64'));
    expect((await tspod(['login', '--get-login', auth], { env })).stdout).toBe('tester');

    const busybox = await tspod(['image', 'inspect', '--format', '{{.Id}}', 'localhost/busybox']);
    const push = await tspod(['push', insecure, '--authfile', authFile, 'localhost/busybox', `${auth}/busybox:1`]);
    expect(push.exitCode, push.stderr).toBe(0);
    const pull = await tspod(['pull', '-q', insecure, `${auth}/busybox:1`], { env });
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(pull.stdout).toBe(busybox.stdout);

    const out = await tspod(['logout', auth], { env });
    expect(out.stdout).toBe(`Removed login credentials for ${auth}`);
    expect((await tspod(['logout', auth], { env })).stderr).toContain(`not logged into ${auth}`);
    const env2 = freshEnv({ XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR! });
    const denied = await tspod(['pull', insecure, `${auth}/busybox:1`], { env: env2 });
    expect(denied.exitCode).toBe(125);
    expect(denied.stderr).toContain(`tspod login ${auth}`);
    const creds = await tspod(['pull', '-q', insecure, '--creds', `${testCredentials.username}:${testCredentials.password}`, `${auth}/busybox:1`], { env: env2 });
    expect(creds.exitCode, creds.stderr).toBe(0);
  });
});

describe('a registry of our own: token auth, broken and hostile content', () => {
  const fake = new FakeRegistry();
  const tokenFake = new FakeRegistry(testCredentials);
  const busyboxLayer = () => readFileSync(inject('tspodImages').layerTar);
  beforeAll(async () => {
    await fake.start();
    await tokenFake.start();
  });
  afterAll(async () => {
    await fake.stop();
    await tokenFake.stop();
  });

  it('Bearer tokens: refused without credentials with the fix, pulled with them', async () => {
    tokenFake.addImage('private/bb', 'v1', [{ tar: busyboxLayer() }]);
    const env = freshEnv();
    const anon = await tspod(['pull', insecure, `${tokenFake.address}/private/bb:v1`], { env });
    expect(anon.exitCode).toBe(125);
    expect(anon.stderr).toContain(`tspod login ${tokenFake.address}`);
    const r = await tspod(['pull', '-q', insecure, '--creds', `${testCredentials.username}:${testCredentials.password}`, `${tokenFake.address}/private/bb:v1`], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(tokenFake.requests.some((q) => q.startsWith('GET /token?') && q.includes('scope=repository%3Aprivate%2Fbb%3Apull'))).toBe(true);
  });

  it('a blob with the wrong content is refused and nothing is stored', async () => {
    const img = fake.addImage('corrupt', 'v1', [{ tar: busyboxLayer() }, { tar: rawTar([{ path: 'x', body: 'x' }]) }]);
    fake.tamper.set(img.layers[1]!, 'corrupt');
    const env = freshEnv();
    const r = await tspod(['pull', insecure, `${fake.address}/corrupt:v1`], { env });
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain(`blob digest mismatch for ${fake.address}/corrupt: expected ${img.layers[1]}`);
    expect(r.stderr).toContain('nothing was stored');
    expect((await tspod(['images', '-q'], { env })).stdout).toBe('');
    expect(storeDir(env, 'blobs/sha256')).toEqual([]);
    expect(storeDir(env, 'layers')).toEqual([]);
    expect(storeDir(env, 'tmp')).toEqual([]);
  });

  it('lying responses are refused with the cause named and nothing stored: endless or cut-off bodies, redirect loops, thousands of layers', async () => {
    const cases = [
      ['endless', /is larger than the \d+ bytes its manifest says/],
      ['truncate', /was cut off|cut short/],
      ['loop', /redirected too many times/],
    ] as const;
    for (const [kind, message] of cases) {
      const img = fake.addImage(`lying-${kind}`, 'v1', [{ tar: busyboxLayer() }, { tar: rawTar([{ path: kind, body: kind.repeat(1000) }]) }]);
      fake.tamper.set(img.layers[1]!, kind);
      const env = freshEnv();
      const r = await tspod(['pull', insecure, `${fake.address}/lying-${kind}:v1`], { env });
      expect(r.exitCode, kind).toBe(125);
      expect(r.stderr, kind).toMatch(message);
      expect((await tspod(['images', '-q'], { env })).stdout).toBe('');
      expect(storeDir(env, 'blobs/sha256'), kind).not.toContain(img.layers[1]!.slice(7));
      expect(storeDir(env, 'tmp'), kind).toEqual([]);
    }
    const many = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 2 },
      layers: Array.from({ length: 5000 }, (_, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${i.toString(16).padStart(64, '0')}`, size: 1 })) }));
    fake.manifests.set('many:v1', { bytes: many, type: 'application/vnd.oci.image.manifest.v1+json' });
    const r = await tspod(['pull', insecure, `${fake.address}/many:v1`], { env: freshEnv() });
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain('has 5000 layers; overlay stacks at most 500');
    expect(fake.requests.some((q) => q.includes('/many/blobs/'))).toBe(false);
  });

  it('a manifest that does not match the digest asked for is refused', async () => {
    const img = fake.addImage('liar', 'v1', [{ tar: busyboxLayer() }]);
    const other = fake.addImage('liar', 'v2', [{ tar: rawTar([{ path: 'y', body: 'y' }]) }]);
    // Serve v2's manifest under v1's digest.
    fake.manifests.set(`liar:${img.manifest}`, fake.manifests.get('liar:v2')!);
    const r = await tspod(['pull', insecure, `${fake.address}/liar@${img.manifest}`], { env: freshEnv() });
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain(`manifest digest mismatch for ${fake.address}/liar@${img.manifest}`);
    expect(r.stderr).toContain(other.manifest);
  });

  it('layers escaping with .. or through an absolute symlink are refused; nothing is written outside', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'tspod-outside-'));
    dirs.push(outside);
    fake.addImage('dotdot', 'v1', [{ tar: busyboxLayer() }, { tar: rawTar([{ path: '../../../../../../../../..' + outside + '/dotdot', body: 'pwned' }]) }]);
    fake.addImage('symlink', 'v1', [{ tar: busyboxLayer() }, { tar: rawTar([{ path: 'evil', type: 'SymbolicLink', linkpath: outside }, { path: 'evil/pwned', body: 'pwned' }]) }]);
    for (const repo of ['dotdot', 'symlink']) {
      const env = freshEnv();
      const r = await tspod(['pull', insecure, `${fake.address}/${repo}:v1`], { env });
      expect(r.exitCode, repo).toBe(125);
      expect(r.stderr).toMatch(repo === 'dotdot' ? /contains "\.\." and could escape the layer/ : /would be written through the symlink "evil"/);
      expect((await tspod(['images', '-q'], { env })).stdout).toBe('');
      expect(storeDir(env, 'layers')).toEqual([]);
    }
    expect(readdirSync(outside)).toEqual([]);
  });

  it('zstd and uncompressed layers are pulled and run', async () => {
    fake.addImage('zstd', 'v1', [{ tar: busyboxLayer(), compression: 'none' }, { tar: rawTar([{ path: 'etc/', type: 'Directory' }, { path: 'etc/zstd-says', body: 'hello from zstd\n' }]), compression: 'zstd' }]);
    const env = freshEnv();
    expect((await tspod(['pull', '-q', insecure, `${fake.address}/zstd:v1`], { env })).exitCode).toBe(0);
    const r = await tspod(['run', '--rm', '--network', 'none', `${fake.address}/zstd:v1`, 'cat', '/etc/zstd-says'], { env });
    expect(r.stdout).toBe('hello from zstd');
  });

  it('an index with two platforms: this host\'s is picked, --platform picks another, a missing one is named', async () => {
    const marker = (arch: string) => rawTar([{ path: 'etc/', type: 'Directory' }, { path: 'etc/arch', body: `${arch}\n` }]);
    const amd = fake.addImage('multiarch', 'amd64', [{ tar: busyboxLayer() }, { tar: marker('amd64') }], { os: 'linux', architecture: 'amd64' });
    const arm = fake.addImage('multiarch', 'arm64', [{ tar: busyboxLayer() }, { tar: marker('arm64') }], { os: 'linux', architecture: 'arm64' });
    fake.addIndex('multiarch', 'latest', [
      { manifest: arm.manifest, manifestSize: arm.manifestSize, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { manifest: amd.manifest, manifestSize: amd.manifestSize, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    const env = freshEnv();
    expect((await tspod(['pull', '-q', insecure, `${fake.address}/multiarch`], { env })).exitCode).toBe(0);
    expect((await inspectImage(`${fake.address}/multiarch`, env)).Architecture).toBe('amd64');
    expect((await tspod(['run', '--rm', '--network', 'none', `${fake.address}/multiarch`, 'cat', '/etc/arch'], { env })).stdout).toBe('amd64');
    const env2 = freshEnv();
    expect((await tspod(['pull', '-q', insecure, '--platform', 'linux/arm64', `${fake.address}/multiarch`], { env: env2 })).exitCode).toBe(0);
    expect((await inspectImage(`${fake.address}/multiarch`, env2)).Architecture).toBe('arm64');
    const none = await tspod(['pull', insecure, '--platform', 'linux/s390x', `${fake.address}/multiarch`], { env: freshEnv() });
    expect(none.exitCode).toBe(125);
    expect(none.stderr).toContain('has no image for linux/s390x (it offers: linux/arm64/v8, linux/amd64)');
  });

  it('Docker v2 schema 2 manifests and manifest lists are pulled as OCI ones are, and pushed back unchanged', async () => {
    const marker = rawTar([{ path: 'etc/', type: 'Directory' }, { path: 'etc/kind', body: 'docker\n' }]);
    const img = fake.addImage('dockerish', 'amd64', [{ tar: busyboxLayer() }, { tar: marker }], { os: 'linux', architecture: 'amd64' }, ['sh'], true);
    fake.addIndex('dockerish', 'latest', [{ manifest: img.manifest, manifestSize: img.manifestSize, mediaType: img.mediaType, platform: { os: 'linux', architecture: 'amd64' } }], true);
    const env = freshEnv();
    const r = await tspod(['pull', '-q', insecure, `${fake.address}/dockerish:latest`], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await tspod(['run', '--rm', '--network', 'none', `${fake.address}/dockerish`, 'cat', '/etc/kind'], { env })).stdout).toBe('docker');
    const inspected = await inspectImage(`${fake.address}/dockerish`, env);
    expect(inspected.Digest).toBe(img.manifest);
    const push = await tspod(['push', '-q', insecure, `${fake.address}/dockerish`, `${regs().open}/dockerish:1`], { env });
    expect(push.exitCode, push.stderr).toBe(0);
    const res = await fetch(`http://${regs().open}/v2/dockerish/manifests/1`, { headers: { Accept: img.mediaType } });
    expect(res.headers.get('content-type')).toBe(img.mediaType);
    expect(res.headers.get('docker-content-digest')).toBe(img.manifest);
  });

  it('a pull killed half way leaves no image, and the next pull completes and clears its leftovers', async () => {
    const big = rawTar([{ path: 'big', body: Buffer.alloc(4 * 1024 * 1024, 7) }]);
    const img = fake.addImage('stall', 'v1', [{ tar: busyboxLayer() }, { tar: big, compression: 'none' }]);
    fake.tamper.set(img.layers[1]!, 'stall');
    const env = freshEnv();
    const child = execa(tspodBin, ['pull', insecure, `${fake.address}/stall:v1`], { env, reject: false });
    expect(await waitFor(() => fake.stalledBytes > 0 && storeDir(env, 'tmp').length > 0, 20_000)).toBe(true);
    child.kill('SIGKILL');
    await child;
    expect((await tspod(['images', '-q'], { env })).stdout).toBe('');
    fake.tamper.delete(img.layers[1]!);
    const again = await tspod(['pull', '-q', insecure, `${fake.address}/stall:v1`], { env });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(storeDir(env, 'tmp')).toEqual([]);
    expect((await tspod(['run', '--rm', '--network', 'none', `${fake.address}/stall:v1`, 'wc', '-c', '/big'], { env })).stdout).toBe(`${4 * 1024 * 1024} /big`);
  });

  it('names the cause: unknown tag, not an image, connection refused, unknown host', async () => {
    const env = freshEnv();
    const tag = await tspod(['pull', insecure, `${fake.address}/zstd:nope`], { env });
    expect(tag.stderr).toContain(`manifest unknown: the tag "nope" does not exist in ${fake.address}/zstd`);
    const helm = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: 2 }, layers: [] }));
    fake.manifests.set('chart:v1', { bytes: helm, type: 'application/vnd.oci.image.manifest.v1+json' });
    const chart = await tspod(['pull', insecure, `${fake.address}/chart:v1`], { env });
    expect(chart.stderr).toContain('is not a container image: its config has media type "application/vnd.cncf.helm.config.v1+json"');
    const refused = await tspod(['pull', insecure, '127.0.0.1:1/x:1'], { env });
    expect(refused.stderr).toContain('connection refused at 127.0.0.1:1');
    const unknown = await tspod(['pull', 'no-such-host.invalid/x:1'], { env });
    expect(unknown.stderr).toContain('unknown host "no-such-host.invalid"');
    for (const r of [tag, chart, refused, unknown]) expect(r.exitCode).toBe(125);
  });
});

describe('run --pull', () => {
  it('missing pulls once, always pulls again, never refuses a missing image', async () => {
    const open = regs().open;
    const env = freshEnv();
    const never = await tspod(['run', '--rm', '--pull=never', `${open}/busybox:1`, 'true'], { env });
    expect(never.exitCode).toBe(125);
    expect(never.stderr).toBe(`Error: ${open}/busybox:1: image not known`);
    const first = await tspod(['run', '--rm', '--network', 'none', insecure, `${open}/busybox:1`, 'echo', 'ran'], { env });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toBe('ran');
    expect(first.stderr).toContain(`Trying to pull ${open}/busybox:1...`);
    const second = await tspod(['run', '--rm', '--network', 'none', insecure, `${open}/busybox:1`, 'true'], { env });
    expect(second.stderr).not.toContain('Trying to pull');
    const always = await tspod(['run', '--rm', '--network', 'none', '--pull=always', insecure, `${open}/busybox:1`, 'true'], { env });
    expect(always.exitCode).toBe(0);
    expect(always.stderr).toContain('Trying to pull');
    const newer = await tspod(['create', '--pull=newer', insecure, `${open}/busybox:1`], { env });
    expect(newer.exitCode, newer.stderr).toBe(0);
    expect(newer.stderr).not.toContain('Trying to pull');
    await tspod(['rm', newer.stdout], { env });
  });
});
