// The runtime as podman's global flags name it (--runtime PATH to a copy of tspod-launch,
// --runtime-flag), and an image that came from a registry written back out (save, push) and
// run from the archive after a commit, also when a load of the same image came on top of the pull.
// Budget: about 30 s.
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { execa } from 'execa';
import { buildContext, root, testEnv, tspod, tspodBin } from './helpers.js';
import { rawTar } from './fixtures.js';

const dirs: string[] = [];
const none = ['--network', 'none'];
const insecure = '--tls-verify=false';

afterAll(async () => {
  const { removeAsRoot } = await import(join(root, 'dist/lib/runtime/userns.js'));
  await removeAsRoot(dirs);
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** An empty store of its own (what a machine that pulled the image for the first time has). */
function freshEnv(): Record<string, string> {
  const base = tempDir('tspod-rt-');
  for (const d of ['data', 'config', 'run']) mkdirSync(join(base, d), { mode: 0o700 });
  return { ...testEnv(), XDG_DATA_HOME: join(base, 'data'), XDG_CONFIG_HOME: join(base, 'config'), XDG_RUNTIME_DIR: join(base, 'run') };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Two docker-archives of one image (the same config, so the same id): gzip layers (as a registry
 * serves them) and plain ones (as `save` writes them). */
function sameImageTwice(name: string): { gz: string; plain: string } {
  const layers = [readFileSync(inject('tspodImages').layerTar), rawTar([{ path: 'etc/', type: 'Directory' }, { path: 'etc/rt-marker', body: 'marker\n' }])];
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z',
    config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha(l)}`) },
  }));
  const out = { gz: '', plain: '' };
  for (const kind of ['gz', 'plain'] as const) {
    const stage = join(tempDir('tspod-rt-img-'), 'stage');
    mkdirSync(stage);
    const paths = layers.map((l, i) => {
      mkdirSync(join(stage, `l${i}`));
      writeFileSync(join(stage, `l${i}`, 'layer.tar'), kind === 'gz' ? gzipSync(l) : l);
      return `l${i}/layer.tar`;
    });
    writeFileSync(join(stage, `${sha(config)}.json`), config);
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify([{ Config: `${sha(config)}.json`, RepoTags: [name], Layers: paths }]));
    out[kind] = join(stage, '..', `${kind}.tar`);
    execFileSync('tar', ['-cf', out[kind], '-C', stage, '.']);
  }
  return out;
}

async function ok(args: string[], env: Record<string, string>) {
  const r = await tspod(args, { env });
  expect(r.exitCode, `tspod ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

let pushed: Promise<string> | undefined;
/** The image of sameImageTwice in the test registry with gzip layers (load keeps a docker-archive's
 * gzip layers as they are, and push sends them so); its reference there and its plain archive. */
function gzipImageInRegistry(): Promise<string> {
  pushed ??= (async () => {
    const ref = `${inject('registries').open}/rt-gz:1`;
    const { gz } = sameImageTwice('localhost/rt-gz:1');
    await ok(['load', '-q', '-i', gz], testEnv());
    await ok(['push', '-q', insecure, 'localhost/rt-gz:1', ref], testEnv());
    await ok(['rmi', 'localhost/rt-gz:1'], testEnv());
    return ref;
  })();
  return pushed;
}

describe('an image pulled from a registry, committed, saved and run from the archive', () => {
  it('save works after a load of the same image over the pull and the removal of an image that shared its blobs; run docker-archive: runs it', async () => {
    const open = inject('registries').open;
    const ref = await gzipImageInRegistry();
    const { plain } = sameImageTwice('localhost/rt-gz:1');

    const env = freshEnv();
    await ok(['pull', '-q', insecure, ref], env);
    // an image sharing the pulled (gzip) blobs, then the same image loaded again (plain layers)
    await ok(['run', '--name', 'first', ...none, ref, 'true'], env);
    await ok(['commit', '-q', 'first', 'other'], env);
    await ok(['rm', 'first'], env);
    await ok(['load', '-q', '-i', plain], env);
    await ok(['rmi', 'other'], env);

    const magic = `magic-${process.pid}`;
    expect((await ok(['run', '--name', 'myc', ...none, `--entrypoint=["/bin/echo","${magic}"]`, ref], env)).stdout).toBe(magic);
    await ok(['commit', '-q', 'myc', 'myi'], env);
    const work = tempDir('tspod-rt-save-');
    const archive = join(work, 'archive.tar');
    const save = await ok(['save', '--quiet', 'myi', '-o', archive], env);
    expect(save.stdout + save.stderr).toBe('');
    // the other formats write the same layers
    await ok(['save', '--format', 'oci-archive', '-o', join(work, 'oci.tar'), 'myi'], env);
    await ok(['save', '--format', 'oci-dir', '-o', join(work, 'oci-dir'), 'myi'], env);
    const index = JSON.parse(readFileSync(join(work, 'oci-dir', 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(readFileSync(join(work, 'oci-dir', 'blobs', 'sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: Array<{ digest: string }> };
    expect(manifest.layers.length).toBe(3);
    for (const l of manifest.layers) expect(existsSync(join(work, 'oci-dir', 'blobs', 'sha256', l.digest.slice(7))), l.digest).toBe(true);
    await ok(['push', '-q', insecure, 'myi', `${open}/rt-myi:1`], env);
    // docker-dir (v2s2 manifest, blobs by hex digest): plain layers, gzip with --compress; loads back
    await ok(['save', '--format', 'docker-dir', '-o', join(work, 'ddir'), 'myi'], env);
    expect(readFileSync(join(work, 'ddir', 'version'), 'utf8')).toBe('Directory Transport Version: 1.1\n');
    const dm = JSON.parse(readFileSync(join(work, 'ddir', 'manifest.json'), 'utf8')) as { mediaType: string; layers: Array<{ mediaType: string; digest: string }> };
    expect(dm.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(dm.layers.map((l) => l.mediaType)).toEqual(Array(3).fill('application/vnd.docker.image.rootfs.diff.tar'));
    await ok(['save', '--compress', '--format', 'docker-dir', '-o', join(work, 'ddir-gz'), 'myi'], env);
    const gm = JSON.parse(readFileSync(join(work, 'ddir-gz', 'manifest.json'), 'utf8')) as { layers: Array<{ mediaType: string; digest: string }> };
    expect(gm.layers.map((l) => l.mediaType)).toEqual(Array(3).fill('application/vnd.docker.image.rootfs.diff.tar.gzip'));
    expect(readFileSync(join(work, 'ddir-gz', gm.layers[2]!.digest.slice(7))).subarray(0, 2).toString('hex')).toBe('1f8b');
    const other = join(work, 'not-an-image');
    mkdirSync(other);
    writeFileSync(join(other, 'keep.txt'), 'mine');
    const refused = await tspod(['save', '--format', 'docker-dir', '-o', other, 'myi'], { env });
    expect([refused.exitCode, refused.stderr]).toEqual([125, `Error: initializing destination dir:${other}: not a containers image directory, don't want to overwrite important data`]);
    expect(readFileSync(join(other, 'keep.txt'), 'utf8')).toBe('mine');
    expect((await tspod(['save', '--compress', '-o', join(work, 'c.tar'), 'myi'], { env })).stderr).toBe('Error: --compress can only be set when --format is \'docker-dir\'');
    const env2 = freshEnv();
    // a docker-dir names no image (podman's load shows the id); the oci-dir keeps its name
    for (const d of ['ddir', 'ddir-gz']) expect((await ok(['load', '-i', join(work, d)], env2)).stdout).toMatch(/^Loaded image: sha256:[0-9a-f]{64}$/);
    expect((await ok(['load', '-i', join(work, 'oci-dir')], env2)).stdout).toBe('Loaded image: localhost/myi:latest');
    const loadedId = (await ok(['images', '-q', '--no-trunc'], env2)).stdout.trim().split('\n');
    expect(new Set(loadedId).size).toBe(1);
    expect((await ok(['run', '--rm', ...none, loadedId[0]!], env2)).stdout).toBe(magic);

    await ok(['rmi', 'myi'], env);
    await ok(['rm', 'myc'], env);
    // stdout and stderr on one descriptor, as a terminal (or podman's tests) sees them
    const run = await execa('sh', ['-c', '"$0" "$@" 2>&1', tspodBin, 'run', ...none, `docker-archive:${archive}`], { env, reject: false, stdin: 'ignore' });
    expect(run.exitCode, run.stdout).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Getting image source signatures');
    expect(run.stdout).toContain('Copying blob');
    expect(run.stdout).toContain('Copying config');
    expect(run.stdout).toContain('Writing manifest');
    expect(lines.at(-1)).toBe(magic);
  }, 60_000);

  it('a layer blob gone from the store: save names the image and the fix (exit 125), and the image still runs', async () => {
    const ref = await gzipImageInRegistry();
    const env = freshEnv();
    await ok(['pull', '-q', insecure, ref], env);
    const id = (await ok(['image', 'inspect', '--format', '{{.Id}}', ref], env)).stdout.trim();
    const rec = JSON.parse(readFileSync(join(env.XDG_DATA_HOME!, 'tspod', 'images', `${id}.json`), 'utf8')) as { layerBlobs: string[] };
    const earlier = join(tempDir('tspod-rt-dir-'), 'saved');
    await ok(['save', '--format', 'docker-dir', '-o', earlier, ref], env);
    const earlierManifest = readFileSync(join(earlier, 'manifest.json'), 'utf8');
    unlinkSync(join(env.XDG_DATA_HOME!, 'tspod', 'blobs', 'sha256', rec.layerBlobs[1]!.slice(7)));
    // a docker-dir save that fails leaves the earlier save as it was
    const again = await tspod(['save', '--format', 'docker-dir', '-o', earlier, ref], { env });
    expect(again.exitCode).toBe(125);
    expect(readFileSync(join(earlier, 'manifest.json'), 'utf8')).toBe(earlierManifest);
    const save = await tspod(['save', '-o', join(tempDir('tspod-rt-miss-'), 'a.tar'), ref], { env });
    expect(save.exitCode).toBe(125);
    expect(save.stderr).toContain(`Error: image ${ref} (${id.slice(0, 12)}): the store lacks the blob of its layer 2 of 2`);
    expect(save.stderr).toContain('pull or load the image again');
    expect(save.stderr).not.toContain('ENOENT');
    expect((await ok(['run', '--rm', ...none, ref, 'cat', '/etc/rt-marker'], env)).stdout).toBe('marker');
    // and a pull puts it back
    await ok(['pull', '-q', insecure, ref], env);
    await ok(['save', '-o', join(tempDir('tspod-rt-back-'), 'a.tar'), ref], env);
    // rmi REPO@DIGEST of an image with a tag only untags that reference (podman's rmi after a pull by digest)
    const digest = (await ok(['image', 'inspect', '--format', '{{.Digest}}', ref], env)).stdout.trim();
    const byDigest = `${ref.replace(/:[^/:]*$/, '')}@${digest}`;
    expect((await ok(['rmi', byDigest], env)).stdout).toBe(`Untagged: ${byDigest}`);
    expect((await tspod(['image', 'exists', ref], { env })).exitCode).toBe(0);
    // and untag of TAG@DIGEST (podman's pull of it keeps one): the image and its tag stay
    expect((await ok(['untag', ref, `${ref}@${digest}`], env)).exitCode).toBe(0);
    expect((await tspod(['image', 'exists', ref], { env })).exitCode).toBe(0);
    expect((await tspod(['untag', ref, `${ref}@sha256:${'0'.repeat(64)}`], { env })).exitCode).toBe(125);
  }, 30_000);
});

describe('load -i DIR reads a copy of each file, never through a link', () => {
  it('refuses a blob that is a symbolic link or a FIFO, and a manifest of the wrong shape, with a clear error', async () => {
    const base = join(tempDir('tspod-rt-load-'), 'img');
    expect((await tspod(['save', '--format', 'docker-dir', '-o', base, 'busybox'])).exitCode).toBe(0);
    const manifest = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')) as { layers: Array<{ digest: string }> };
    const layer = join(base, manifest.layers[0]!.digest.slice(7));
    const variant = (name: string, change: (dir: string) => void) => {
      const d = join(tempDir(`tspod-rt-${name}-`), 'img');
      execFileSync('cp', ['-a', base, d]);
      change(d);
      return d;
    };
    const linked = variant('link', (d) => {
      const l = join(d, manifest.layers[0]!.digest.slice(7));
      rmSync(l);
      execFileSync('ln', ['-s', layer, l]);
    });
    const l = await tspod(['load', '-i', linked]);
    expect([l.exitCode, l.stderr]).toEqual([125, expect.stringContaining('as a plain file (ELOOP)')]);
    const fifo = variant('fifo', (d) => {
      const f = join(d, manifest.layers[0]!.digest.slice(7));
      rmSync(f);
      execFileSync('mkfifo', [f]);
    });
    const f = await tspod(['load', '-i', fifo], { timeout: 20_000 });
    expect([f.exitCode, f.stderr]).toEqual([125, expect.stringContaining('is not a plain file')]);
    const nulls = variant('null', (d) => writeFileSync(join(d, 'manifest.json'), JSON.stringify({ ...manifest, layers: [null] })));
    const n = await tspod(['load', '-i', nulls]);
    expect([n.exitCode, n.stderr]).toEqual([125, expect.stringContaining('a descriptor without a digest')]);
    expect(n.stderr).not.toMatch(/Cannot read|TypeError/);
    // the untouched directory loads
    expect((await tspod(['load', '-i', base])).exitCode).toBe(0);
  });
});

describe('containers.conf names the runtime', () => {
  it('one that is not installed fails run and build with podman\'s words; an installed one is left for tspod\'s own', async () => {
    const dir = tempDir('tspod-rt-conf-');
    writeFileSync(join(dir, 'bad.conf'), '[engine]\nruntime = "idonotexist"\n');
    writeFileSync(join(dir, 'ok.conf'), '[engine]\nruntime = "sh"\n');
    const bad = { ...testEnv(), CONTAINERS_CONF: join(dir, 'bad.conf') };
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'true'], { env: bad });
    expect([r.exitCode, r.stderr.split('\n')[0]]).toEqual([125, 'Error: default OCI runtime "idonotexist" not found: invalid argument']);
    const ctx = buildContext(dir, 'ctx', { Containerfile: 'FROM busybox\nRUN true\n' });
    const b = await tspod(['build', '-t', 'localhost/rt-conf', ctx], { env: bad });
    expect([b.exitCode, b.stderr]).toEqual([125, expect.stringContaining('default OCI runtime "idonotexist" not found')]);
    const good = await tspod(['run', '--rm', ...none, 'busybox', 'echo', 'ran'], { env: { ...testEnv(), CONTAINERS_CONF: join(dir, 'ok.conf') } });
    expect([good.exitCode, good.stdout]).toEqual([0, 'ran']);
  });
});

describe('--runtime and --runtime-flag', () => {
  it('--runtime PATH to an identical copy of tspod-launch: runs, and inspect and info show the path; another program is refused', async () => {
    const launch = (await ok(['info', '--format', '{{.Host.OCIRuntime.Path}}'], testEnv())).stdout.trim();
    expect(statSync(launch).isFile()).toBe(true);
    const copy = join(tempDir('tspod-rt-copy-'), 'myruntime');
    copyFileSync(launch, copy);
    chmodSync(copy, 0o755);
    const id = (await ok(['run', '-d', ...none, '--runtime', copy, 'localhost/busybox', 'sleep', '60'], testEnv())).stdout.trim();
    try {
      expect((await ok(['inspect', '--format', '{{.OCIRuntime}}', id], testEnv())).stdout).toBe(copy);
      expect((await ok(['inspect', '--format', '{{.State.Status}}', id], testEnv())).stdout).toBe('running');
    } finally {
      await tspod(['rm', '-f', '-t', '0', id]);
    }
    expect((await ok(['--runtime', copy, 'info', '--format', '{{.Host.OCIRuntime.Path}}'], testEnv())).stdout).toBe(copy);
    // without --runtime: the runtime's name, as podman's default
    const plainId = (await ok(['create', ...none, 'localhost/busybox', 'true'], testEnv())).stdout.trim();
    expect((await ok(['inspect', '--format', '{{.OCIRuntime}}', plainId], testEnv())).stdout).toBe('tspod-launch');
    await ok(['rm', plainId], testEnv());

    // one byte more: another program
    writeFileSync(copy, Buffer.concat([readFileSync(launch), Buffer.from('x')]));
    const other = await tspod(['run', '--rm', ...none, '--runtime', copy, 'localhost/busybox', 'true']);
    expect(other.exitCode).toBe(125);
    expect(other.stderr).toBe(`Error: --runtime ${copy}: tspod runs every container with its own runtime, tspod-launch (${launch}); it cannot use another OCI runtime`);
    rmSync(copy);
    const missing = await tspod(['run', '--rm', ...none, '--runtime', copy, 'localhost/busybox', 'true']);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr).toMatch(/^Error: default OCI runtime ".*" not found: invalid argument/);
  });

  it('--runtime-flag: an unknown flag is the runtime\'s refusal (126) naming it; runc\'s harmless globals pass; commands that start nothing ignore it', async () => {
    const bad = await tspod(['--runtime-flag', 'invalidflag', 'run', '--rm', ...none, 'localhost/busybox', 'true']);
    expect(bad.exitCode).toBe(126);
    expect(bad.stderr.split('\n')[0]).toBe('Error: OCI runtime error: tspod-launch: flag provided but not defined: -invalidflag');
    // after the verb, as podman's global flags may be
    const after = await tspod(['run', '--runtime-flag', 'no-pivot', '--rm', ...none, 'localhost/busybox', 'true']);
    expect(after.exitCode).toBe(126);
    expect(after.stderr).toContain('-no-pivot');
    const dashed = await tspod(['--runtime-flag', '--debug', 'run', '--rm', ...none, 'localhost/busybox', 'true']);
    expect(dashed.exitCode).toBe(126);
    expect(dashed.stderr).toContain('bad flag syntax: ----debug');
    const badValue = await tspod(['--runtime-flag', 'log-format=xml', 'run', '--rm', ...none, 'localhost/busybox', 'true']);
    expect(badValue.exitCode).toBe(126);

    const fine = await tspod(['--runtime-flag', 'debug', '--runtime-flag', 'log-format=json', '--runtime-flag', 'rootless=true', 'run', '--rm', ...none, 'localhost/busybox', 'echo', 'ran']);
    expect(fine.exitCode, fine.stderr).toBe(0);
    expect(fine.stdout).toBe('ran');
    expect((await tspod(['--runtime-flag', 'invalidflag', 'ps', '-a', '-q'])).exitCode).toBe(0);

    // start: podman's "unable to start container" (125); create starts nothing
    const c = await ok(['--runtime-flag', 'invalidflag', 'create', '--name', 'rt-flag-start', ...none, 'localhost/busybox', 'true'], testEnv());
    expect(c.stdout).toMatch(/^[0-9a-f]{64}$/);
    const start = await tspod(['--runtime-flag', 'invalidflag', 'start', 'rt-flag-start']);
    expect(start.exitCode).toBe(125);
    expect(start.stderr.split('\n')[0]).toBe('Error: OCI runtime error: unable to start container "rt-flag-start": tspod-launch: flag provided but not defined: -invalidflag');
    await ok(['rm', 'rt-flag-start'], testEnv());
  });

  it('build: the first RUN step fails as podman\'s runc fails it (exit 1, naming the flag); harmless flags and a build without RUN pass', async () => {
    const ctx = buildContext(tempDir('tspod-rt-build-'), 'ctx', { Containerfile: 'FROM localhost/busybox\nRUN echo built-with-run\n' });
    const bad = await tspod(['--runtime-flag', 'invalidflag', 'build', '--network', 'none', '-t', 'localhost/rt-build', ctx]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('Error: building at STEP "RUN echo built-with-run": OCI runtime error: tspod-launch: flag provided but not defined: -invalidflag');
    expect((await tspod(['image', 'exists', 'localhost/rt-build'])).exitCode).toBe(1);
    const fine = await tspod(['build', '--runtime-flag', 'debug', '--network', 'none', '-t', 'localhost/rt-build', ctx]);
    expect(fine.exitCode, fine.stderr).toBe(0);
    expect(fine.stdout).toContain('built-with-run');
    const noRun = buildContext(tempDir('tspod-rt-build-'), 'ctx', { Containerfile: 'FROM localhost/busybox\nENV A=b\n' });
    expect((await tspod(['--runtime-flag', 'invalidflag', 'build', '-t', 'localhost/rt-build2', noRun])).exitCode).toBe(0);
    await tspod(['rmi', 'localhost/rt-build', 'localhost/rt-build2']);
  });
});
