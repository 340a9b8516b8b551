// podman's management commands added by the mgmt branch: manifest lists (created, changed,
// pushed to the test set-up's docker-registry and pulled back), search against that
// registry, and the flags added to existing verbs. (Budget: about 90 s.)
import { afterAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, testEnv, tspod } from './helpers.js';

const insecure = '--tls-verify=false';
const regs = () => inject('registries');
const dirs: string[] = [];

afterAll(async () => {
  const { removeAsRoot } = await import(join(root, 'dist/lib/runtime/userns.js'));
  await removeAsRoot(dirs);
});

/** An empty store of its own, its registries.conf marking the test registry insecure. */
function freshEnv(): Record<string, string> {
  const base = mkdtempSync(join(tmpdir(), 'tspod-mgmt-'));
  dirs.push(base);
  for (const d of ['data', 'config/tspod', 'run']) mkdirSync(join(base, d), { recursive: true, mode: 0o700 });
  writeFileSync(join(base, 'config/tspod/registries.conf'), `[[registry]]\nlocation = "${regs().open}"\ninsecure = true\n`);
  return { ...testEnv(), XDG_DATA_HOME: join(base, 'data'), XDG_CONFIG_HOME: join(base, 'config'), XDG_RUNTIME_DIR: join(base, 'run') };
}

/** The multilayer test image (another manifest than busybox's), loaded into the shared store. */
async function multilayer(): Promise<string> {
  const m = inject('multilayer');
  const r = await tspod(['load', '-q', '-i', m.archive]);
  expect(r.exitCode, r.stderr).toBe(0);
  return m.name;
}

async function localDigest(ref: string, env = testEnv()): Promise<string> {
  const r = await tspod(['image', 'inspect', '--format', '{{.Digest}}', ref], { env });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('manifest', () => {
  it('create, add (store and registry), annotate, remove, inspect, exists, rm, and podman\'s errors', async () => {
    const open = regs().open;
    expect((await tspod(['push', '-q', insecure, await multilayer(), `${open}/mgmt-src:1`])).exitCode).toBe(0);
    const created = await tspod(['manifest', 'create', 'mgmt-list']);
    expect(created.exitCode, created.stderr).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[a-f0-9]{64}$/);
    const empty = await tspod(['manifest', 'inspect', 'mgmt-list']);
    expect(JSON.parse(empty.stdout)).toEqual({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: null });
    expect(empty.stdout).toContain('\n    "schemaVersion": 2'); // podman's four-space indent

    const again = await tspod(['manifest', 'create', 'mgmt-list']);
    expect(again.exitCode).toBe(125);
    expect(again.stderr).toContain(`Error: creating image to hold manifest list: image name "localhost/mgmt-list:latest" is already associated with image "${id}": that name is already in use`);
    expect((await tspod(['manifest', 'create', '--amend', 'mgmt-list'])).stdout.trim()).toBe(id);

    const busyDigest = await localDigest('busybox');
    expect((await tspod(['manifest', 'add', 'mgmt-list', 'containers-storage:busybox'])).stdout.trim()).toBe(id);
    const remote = await tspod(['manifest', 'add', insecure, '--arch', 'arm64', '--variant', 'v8', '--os-version', '1.0', '--annotation', 'org.test=yes',
      'mgmt-list', `docker://${open}/mgmt-src:1`]);
    expect(remote.exitCode, remote.stderr).toBe(0);
    const bad = await tspod(['manifest', 'add', '--annotation', 'novalue', 'mgmt-list', 'containers-storage:busybox']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toContain('Error: no value given for annotation "novalue"');

    const doc = JSON.parse((await tspod(['manifest', 'inspect', 'mgmt-list'])).stdout) as { manifests: Array<{ digest: string; platform: Record<string, string>; annotations?: Record<string, string> }> };
    expect(doc.manifests).toHaveLength(2);
    expect(doc.manifests[0]!.digest).toBe(busyDigest);
    expect(doc.manifests[0]!.platform).toEqual({ architecture: 'amd64', os: 'linux' });
    expect(doc.manifests[1]!.platform).toEqual({ architecture: 'arm64', os: 'linux', 'os.version': '1.0', variant: 'v8' });
    expect(doc.manifests[1]!.annotations).toEqual({ 'org.test': 'yes' });

    const ann = await tspod(['manifest', 'annotate', '--os', 'freebsd', '--annotation', 'k=v', 'mgmt-list', busyDigest]);
    expect(ann.exitCode, ann.stderr).toBe(0);
    const annotated = JSON.parse((await tspod(['manifest', 'inspect', 'mgmt-list'])).stdout) as typeof doc;
    expect(annotated.manifests[0]!.platform.os).toBe('freebsd');
    expect(annotated.manifests[0]!.annotations).toEqual({ k: 'v' });

    const zero = `sha256:${'0'.repeat(64)}`;
    const missing = await tspod(['manifest', 'remove', 'mgmt-list', zero]);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr).toContain(`Error: removing from manifest list mgmt-list: no instance matching digest "${zero}" found in manifest list: file does not exist`);
    expect((await tspod(['manifest', 'remove', 'mgmt-list', busyDigest])).stdout.trim()).toBe(id);
    expect((JSON.parse((await tspod(['manifest', 'inspect', 'mgmt-list'])).stdout) as typeof doc).manifests).toHaveLength(1);

    expect((await tspod(['manifest', 'exists', 'mgmt-list'])).exitCode).toBe(0);
    expect((await tspod(['manifest', 'exists', 'busybox'])).exitCode).toBe(1);
    expect((await tspod(['manifest', 'exists', 'nothing-here'])).exitCode).toBe(1);
    const notList = await tspod(['manifest', 'rm', 'busybox']);
    expect(notList.exitCode).toBe(125);
    expect(notList.stderr).toMatch(/^Error: localhost\/busybox:latest: image is not a manifest list/);
    const rm = await tspod(['manifest', 'rm', 'mgmt-list']);
    expect(rm.stdout).toBe(`Untagged: localhost/mgmt-list:latest\nDeleted: ${id}`);
    const gone = await tspod(['manifest', 'rm', 'mgmt-list']);
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toContain('Error: mgmt-list: image not known');
  });

  it('push: the instances and the list go to the registry; a fresh store reads the index and pulls each platform back', async () => {
    const open = regs().open;
    const busyDigest = await localDigest('busybox');
    expect((await tspod(['push', '-q', insecure, await multilayer(), `${open}/mgmt-arm:1`])).exitCode).toBe(0);
    expect((await tspod(['manifest', 'create', 'mgmt-push', 'containers-storage:busybox'])).exitCode).toBe(0);
    expect((await tspod(['manifest', 'add', insecure, '--arch', 'arm64', 'mgmt-push', `${open}/mgmt-arm:1`])).exitCode).toBe(0);
    const local = JSON.parse((await tspod(['manifest', 'inspect', 'mgmt-push'])).stdout) as { manifests: unknown[] };

    const v2s2 = await tspod(['manifest', 'push', insecure, '--format', 'v2s2', 'mgmt-push', `${open}/mgmt-multi:1`]);
    expect(v2s2.exitCode).toBe(125); // the store's busybox manifest is an OCI one
    expect(v2s2.stderr).toContain('use --format oci');
    const badFormat = await tspod(['manifest', 'push', insecure, '--format', 'foo', 'mgmt-push', `${open}/mgmt-multi:1`]);
    expect(badFormat.stderr).toContain('Error: unknown format "foo". Choose one of the supported formats: \'oci\' or \'v2s2\'');

    const digestFile = join(mkdtempSync(join(tmpdir(), 'tspod-dg-')), 'digest');
    dirs.push(join(digestFile, '..'));
    const push = await tspod(['manifest', 'push', insecure, '--rm', '--digestfile', digestFile, 'mgmt-push', `docker://${open}/mgmt-multi:1`]);
    expect(push.exitCode, push.stderr).toBe(0);
    expect(push.stderr).toContain('Copying 2 of 2 images in list');
    expect(push.stderr).toContain('Writing manifest list to image destination');
    expect(readFileSync(digestFile, 'utf8')).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect((await tspod(['manifest', 'exists', 'mgmt-push'])).exitCode).toBe(1); // --rm

    const env = freshEnv();
    const remote = await tspod(['manifest', 'inspect', `${open}/mgmt-multi:1`], { env });
    expect(remote.exitCode, remote.stderr).toBe(0);
    const index = JSON.parse(remote.stdout) as { mediaType: string; manifests: unknown[] };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests).toEqual(local.manifests);
    const amd = await tspod(['pull', '-q', `${open}/mgmt-multi:1`], { env });
    expect(amd.exitCode, amd.stderr).toBe(0);
    expect(await localDigest(`${open}/mgmt-multi:1`, env)).toBe(busyDigest);
    const arm = await tspod(['pull', '-q', '--arch', 'arm64', `${open}/mgmt-multi:1`], { env });
    expect(arm.exitCode, arm.stderr).toBe(0);
    expect(await localDigest(`${open}/mgmt-multi:1`, env)).toBe((local.manifests[1] as { digest: string }).digest);
  });
});

describe('search', () => {
  it('a registry\'s catalog filtered by the term, --limit, --format, --compatible, --list-tags, --filter and their errors', async () => {
    const open = regs().open;
    for (const [repo, tag] of [['mgmt-search/box', '1'], ['mgmt-search/box', '2'], ['mgmt-search/crate', '1']]) {
      expect((await tspod(['push', '-q', insecure, 'busybox', `${open}/${repo}:${tag}`])).exitCode).toBe(0);
    }
    const table = await tspod(['search', insecure, `${open}/mgmt-search`]);
    expect(table.exitCode, table.stderr).toBe(0);
    const lines = table.stdout.split('\n').map((l) => l.trimEnd());
    expect(lines[0]).toMatch(/^NAME +DESCRIPTION$/);
    expect(lines.slice(1)).toEqual([`${open}/mgmt-search/box`, `${open}/mgmt-search/crate`]);
    const one = await tspod(['image', 'search', insecure, '--limit', '1', '--format', '{{.Name}}|{{.Index}}|{{.Stars}}', `${open}/mgmt-search`]);
    expect(one.stdout).toBe(`${open}/mgmt-search/box|${open}|0`);
    const json = JSON.parse((await tspod(['search', insecure, '--format', 'json', `${open}/mgmt-search/cr`])).stdout) as Array<Record<string, unknown>>;
    expect(json).toEqual([{ Index: open, Name: `${open}/mgmt-search/crate`, Description: '', Stars: 0, Official: '', Automated: '', Tag: '' }]);
    expect((await tspod(['search', insecure, '--compatible', `${open}/mgmt-search/crate`])).stdout).toMatch(/^NAME +DESCRIPTION +STARS +OFFICIAL +AUTOMATED\n/);
    expect((await tspod(['search', insecure, '--filter', 'is-official', `${open}/mgmt-search`])).stdout).toBe('');
    expect((await tspod(['search', insecure, '--filter', 'stars=0', '--format', '{{.Name}}', `${open}/mgmt-search/box`])).stdout).toBe(`${open}/mgmt-search/box`);

    const tags = await tspod(['search', insecure, '--list-tags', `${open}/mgmt-search/box`]);
    // in the registry's order, as podman prints them
    const tagRows = tags.stdout.split('\n').map((l) => l.split(/ +/));
    expect(tagRows[0]).toEqual(['NAME', 'TAG']);
    expect(tagRows.slice(1).sort()).toEqual([[`${open}/mgmt-search/box`, '1'], [`${open}/mgmt-search/box`, '2']]);
    const limited = JSON.parse((await tspod(['search', insecure, '--list-tags', '--limit', '1', '--format', 'json', `${open}/mgmt-search/box`])).stdout) as Array<{ Name: string; Tags: string[] }>;
    expect(limited).toEqual([{ Name: `${open}/mgmt-search/box`, Tags: [expect.stringMatching(/^[12]$/)] }]);

    const noRepo = await tspod(['search', insecure, '--list-tags', `${open}/mgmt-search/nothing`]);
    expect(noRepo.exitCode).toBe(125);
    expect(noRepo.stderr).toMatch(/^Error: getting repository tags: fetching tags list: /);
    const badFilter = await tspod(['search', insecure, '--filter', 'foo=1', `${open}/x`]);
    expect(badFilter.stderr).toContain('Error: invalid filter type "foo=1"');
    const stars = await tspod(['search', insecure, '--filter', 'stars=x', `${open}/x`]);
    expect(stars.stderr).toContain('Error: incorrect value type for stars filter: strconv.Atoi: parsing "x": invalid syntax');
    const down = await tspod(['search', insecure, '127.0.0.1:1/x']);
    expect(down.exitCode).toBe(125);
    expect(down.stderr).toMatch(/^Error: couldn't search registry "127\.0\.0\.1:1": /);
    // No registry named and no unqualified-search registries: nothing to search, as podman.
    const bare = await tspod(['search', 'busybox']);
    expect(bare.exitCode).toBe(0);
    expect(bare.stdout).toBe('');
  });
});

describe('registry flags', () => {
  it('pull --all-tags, push --format v2s2 and the refusals, login --verbose', async () => {
    const open = regs().open;
    for (const tag of ['a', 'b']) expect((await tspod(['push', '-q', insecure, 'busybox', `${open}/mgmt-tags:${tag}`])).exitCode).toBe(0);
    const env = freshEnv();
    const all = await tspod(['pull', '-q', '--all-tags', `${open}/mgmt-tags`], { env });
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.stdout.split('\n')).toHaveLength(2);
    const names = await tspod(['images', '--format', '{{.Repository}}:{{.Tag}}', '--sort', 'tag'], { env });
    expect(names.stdout.split('\n').sort()).toEqual([`${open}/mgmt-tags:a`, `${open}/mgmt-tags:b`]);
    const tagged = await tspod(['pull', '-a', `${open}/mgmt-tags:a`], { env });
    expect(tagged.stderr).toContain("Error: tag can't be used with --all-tags/-a");

    const digestFile = join(dirs[dirs.length - 1]!, 'digest');
    const v2 = await tspod(['push', '-q', insecure, '--format', 'v2s2', '--digestfile', digestFile, 'busybox', `${open}/mgmt-v2:1`]);
    expect(v2.exitCode, v2.stderr).toBe(0);
    const res = await fetch(`http://${open}/v2/mgmt-v2/manifests/1`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    const body = await res.text();
    expect(JSON.parse(body).mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(JSON.parse(body).config.mediaType).toBe('application/vnd.docker.container.image.v1+json');
    expect(readFileSync(digestFile, 'utf8')).toBe(res.headers.get('docker-content-digest'));
    // the same blobs: the image pulled back is the same image
    expect((await tspod(['pull', '-q', `${open}/mgmt-v2:1`], { env })).stdout.trim()).toBe((await tspod(['images', '-q', '--no-trunc', 'busybox'])).stdout.trim().replace(/^sha256:/, ''));
    for (const [args, msg] of [
      [['--format', 'foo'], 'Error: unknown format "foo". Choose on of the supported formats: \'oci\', \'v2s1\', or \'v2s2\''],
      [['--format', 'v2s1'], 'Error: --format v2s1: tspod does not write Docker schema 1 manifests'],
      [['--sign-by', 'KEY'], 'Error: creating signature: '],
      [['--compression-format', 'foo'], 'Error: cannot find compressor for "foo"'],
    ] as const) {
      const r = await tspod(['push', insecure, ...args, 'busybox', `${open}/mgmt-v2:2`]);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toContain(msg);
    }

    const auth = regs().auth;
    const authFile = join(dirs[dirs.length - 1]!, 'auth.json');
    const login = await tspod(['login', insecure, '-v', '--authfile', authFile, '-u', 'tester', '-p', 'tspod-test-pw', auth], { env });
    expect(login.exitCode, login.stderr).toBe(0);
    expect(login.stdout).toBe(`Used:  ${authFile}\nLogin Succeeded!`);
  });
});

describe('image flags', () => {
  it('import --arch --os --variant --change --message; history --human=false and its fields; commit --format --iidfile --include-volumes --squash', async () => {
    const work = mkdtempSync(join(tmpdir(), 'tspod-mgmt-img-'));
    dirs.push(work);
    writeFileSync(join(work, 'hello.txt'), 'hello\n');
    const { execa } = await import('execa');
    await execa('tar', ['-C', work, '-cf', join(work, 'root.tar'), 'hello.txt']);
    const imp = await tspod(['import', '--arch', 'arm64', '--os', 'linux', '--variant', 'v8', '-m', 'from a tarball', '-c', 'CMD ["/hello.txt"]', '-c', 'ENV X=1', join(work, 'root.tar'), 'mgmt-imported']);
    expect(imp.exitCode, imp.stderr).toBe(0);
    const info = await tspod(['image', 'inspect', '--format', '{{.Architecture}}/{{.Os}}/{{.Variant}} {{.Config.Cmd}} {{.Config.Env}}', 'mgmt-imported']);
    expect(info.stderr).toBe('');
    expect(info.stdout).toMatch(/^arm64\/linux\/v8 \[\/hello\.txt\] \[PATH=\S+ X=1\]$/);
    const hist = await tspod(['history', '--format', '{{.Comment}}|{{.Tags}}|{{.Size}}', 'mgmt-imported']);
    expect(hist.stdout).toMatch(/^from a tarball\|\[\]\|[\d.]+ [kM]?B$/);
    const notHuman = await tspod(['history', '--human=false', 'busybox']);
    expect(notHuman.stdout.split('\n')[1]).toMatch(/^[0-9a-f]{12} +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /);
    expect((await tspod(['history', '-H', 'busybox'])).stdout.split('\n')[1]).toMatch(/ ago /);
    expect((await tspod(['rmi', 'mgmt-imported'])).exitCode).toBe(0);

    const ctr = await tspod(['create', '--name', 'mgmt-commit', '--network', 'none', '-v', `${work}:/data`, 'busybox', 'sh', '-c', 'true']);
    expect(ctr.exitCode, ctr.stderr).toBe(0);
    try {
      const iid = join(work, 'iid');
      const c = await tspod(['commit', '-q', '--format', 'docker', '--include-volumes', '--iidfile', iid, 'mgmt-commit', 'mgmt-committed']);
      expect(c.exitCode, c.stderr).toBe(0);
      expect(readFileSync(iid, 'utf8')).toBe(c.stdout.trim());
      const ci = await tspod(['image', 'inspect', '--format', '{{.ManifestType}} {{.Config.Volumes}} {{len .RootFS.Layers}}', 'mgmt-committed']);
      expect(ci.stdout).toBe('application/vnd.docker.distribution.manifest.v2+json map[/data:{}] 2');
      const sq = await tspod(['commit', '-q', '--squash', 'mgmt-commit', 'mgmt-squashed']);
      expect(sq.exitCode, sq.stderr).toBe(0);
      expect((await tspod(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', 'mgmt-squashed'])).stdout).toBe('1');
      expect((await tspod(['run', '--rm', '--network', 'none', 'mgmt-squashed', 'cat', '/etc/hostname'])).exitCode).toBe(0);
      const bad = await tspod(['commit', '--format', 'foo', 'mgmt-commit']);
      expect(bad.stderr).toContain('Error: unrecognized image format "foo"');
    } finally {
      await tspod(['rm', '-f', 'mgmt-commit']);
      await tspod(['rmi', '-f', 'mgmt-committed', 'mgmt-squashed']);
    }
  });

  it('image prune --filter, system prune --filter --volumes, save --compress: podman\'s errors and what they remove', async () => {
    expect((await tspod(['image', 'prune', '-f', '--filter', 'foo=1'])).stderr).toContain('Error: unsupported image filter "foo"');
    expect((await tspod(['image', 'prune', '-f', '--filter', 'until=xx'])).stderr).toContain('Error: failed to parse value as time or duration: "xx"');
    expect((await tspod(['system', 'prune', '-f', '--filter', 'foo=1'])).stderr).toContain('Error: foo is an invalid filter');
    expect((await tspod(['save', '--compress', '-o', '/dev/null', 'busybox'])).stderr).toContain('Error: --compress can only be set when --format is \'docker-dir\'');
    // A store of its own: system prune acts on everything unused in it.
    const env = freshEnv();
    expect((await tspod(['load', '-q', '-i', inject('tspodImages').dockerArchive], { env })).exitCode).toBe(0);
    const work = mkdtempSync(join(tmpdir(), 'tspod-mgmt-prune-'));
    dirs.push(work);
    writeFileSync(join(work, 'Containerfile'), 'FROM busybox\nLABEL mgmt=prune\n');
    expect((await tspod(['volume', 'create', 'mgmt-unused'], { env })).exitCode).toBe(0);
    // An unnamed image with a label: --filter label!= keeps it, label= removes it.
    const built = await tspod(['build', '-q', work], { env });
    expect(built.exitCode, built.stderr).toBe(0);
    const id = built.stdout.trim().replace(/^sha256:/, '');
    expect((await tspod(['image', 'prune', '-f', '--filter', 'label!=mgmt=prune'], { env })).stdout).not.toContain(id);
    expect((await tspod(['image', 'exists', id], { env })).exitCode).toBe(0);
    const pruned = await tspod(['system', 'prune', '-f', '--volumes', '--filter', 'label=mgmt=prune'], { env });
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain(`Deleted Images\n${id}`);
    expect((await tspod(['image', 'exists', id], { env })).exitCode).toBe(1);
    // volumes without the label stay under a label filter; without a filter --volumes removes them
    expect((await tspod(['volume', 'exists', 'mgmt-unused'], { env })).exitCode).toBe(0);
    const vols = await tspod(['system', 'prune', '-f', '--volumes'], { env });
    expect(vols.stdout).toContain('Deleted Volumes\nmgmt-unused');
    expect((await tspod(['image', 'exists', 'busybox'], { env })).exitCode).toBe(0);
  });
});

describe('container flags', () => {
  it('--latest on exec, top, diff; exec --env-file --privileged --preserve-fds --detach-keys; cp --overwrite', async () => {
    const work = mkdtempSync(join(tmpdir(), 'tspod-mgmt-ctr-'));
    dirs.push(work);
    const run = await tspod(['run', '-d', '--name', 'mgmt-latest', '--network', 'none', 'busybox', 'sleep', '60']);
    expect(run.exitCode, run.stderr).toBe(0);
    try {
      expect((await tspod(['exec', '-l', 'cat', '/etc/hostname'])).exitCode).toBe(0);
      expect((await tspod(['top', '-l'])).stdout).toContain('sleep 60');
      expect((await tspod(['diff', '--latest'])).exitCode).toBe(0);
      const both = await tspod(['diff', '-l', 'mgmt-latest']);
      expect(both.stderr).toContain('Error: --latest and containers cannot be used together');
      writeFileSync(join(work, 'env'), '# comment\nFROM_FILE=1\nBOTH=file\n');
      const env = await tspod(['exec', '--env-file', join(work, 'env'), '-e', 'BOTH=flag', 'mgmt-latest', 'sh', '-c', 'echo $FROM_FILE $BOTH']);
      expect(env.stdout).toBe('1 flag');
      const caps = async (...extra: string[]) => (await tspod(['exec', ...extra, 'mgmt-latest', 'grep', 'CapEff', '/proc/self/status'])).stdout;
      expect(await caps()).not.toBe(await caps('--privileged'));
      expect(await caps('--privileged')).toMatch(/CapEff:\s+0*1fffffffff/);
      writeFileSync(join(work, 'fd3'), 'through fd 3\n');
      const { execa } = await import('execa');
      const fd = await execa('sh', ['-c', `exec 3<"${join(work, 'fd3')}"; "$0" exec --preserve-fds 1 mgmt-latest cat /proc/self/fd/3`, join(root, 'bin/tspod')], { env: testEnv(), reject: false });
      expect(fd.stdout, fd.stderr).toBe('through fd 3');
      const keys = await tspod(['exec', '-i', '--detach-keys', 'ctrl-a', 'mgmt-latest', 'true']);
      expect(keys.stderr).toContain('tspod cannot detach from an exec session');
      expect((await tspod(['exec', '-i', '--detach-keys', '', 'mgmt-latest', 'true'])).exitCode).toBe(0);

      mkdirSync(join(work, 'adir'));
      expect((await tspod(['exec', 'mgmt-latest', 'mkdir', '/tmp/into', '/tmp/into/adir'])).exitCode).toBe(0);
      writeFileSync(join(work, 'afile'), 'x');
      const clash = await tspod(['cp', join(work, 'afile'), 'mgmt-latest:/tmp/into/']);
      expect(clash.exitCode).toBe(0);
      expect((await tspod(['exec', 'mgmt-latest', 'mkdir', '/tmp/into2', '/tmp/into2/afile'])).exitCode).toBe(0);
      const over = await tspod(['cp', join(work, 'afile'), 'mgmt-latest:/tmp/into2/']);
      expect(over.exitCode).toBe(125);
      expect(over.stderr).toContain('cannot overwrite directory "/tmp/into2/afile" with non-directory');
      expect((await tspod(['cp', '--overwrite', join(work, 'afile'), 'mgmt-latest:/tmp/into2/'])).exitCode).toBe(0);
      expect((await tspod(['exec', 'mgmt-latest', 'cat', '/tmp/into2/afile'])).stdout).toBe('x');
    } finally {
      await tspod(['rm', '-f', '-t', '0', 'mgmt-latest']);
    }
  });

  it('pod logs --container --names --timestamps --since --until --color', async () => {
    expect((await tspod(['pod', 'create', '--name', 'mgmt-logs'])).exitCode).toBe(0);
    try {
      // started detached: the monitor keeps their logs (a foreground run relays instead)
      for (const n of ['mgmt-la', 'mgmt-lb']) {
        const r = await tspod(['run', '-d', '--pod', 'mgmt-logs', '--name', n, 'busybox', 'echo', `from ${n}`]);
        expect(r.exitCode, r.stderr).toBe(0);
        expect((await tspod(['wait', n])).exitCode).toBe(0);
      }
      const named = await tspod(['pod', 'logs', '--names', 'mgmt-logs']);
      expect(named.stdout.split('\n').sort()).toEqual(['mgmt-la from mgmt-la', 'mgmt-lb from mgmt-lb']);
      const one = await tspod(['pod', 'logs', '-c', 'mgmt-lb', '-n', 'mgmt-logs']);
      expect(one.stdout).toBe('mgmt-lb from mgmt-lb');
      expect((await tspod(['pod', 'logs', '-t', '-c', 'mgmt-la', 'mgmt-logs'])).stdout).toMatch(/^[0-9a-f]{12} \d{4}-\d\d-\d\dT\S+ from mgmt-la$/);
      expect((await tspod(['pod', 'logs', '--until', '2000-01-01T00:00:00Z', 'mgmt-logs'])).stdout).toBe('');
      expect((await tspod(['pod', 'logs', '--since', '2000-01-01T00:00:00Z', '-c', 'mgmt-la', 'mgmt-logs'])).stdout).toMatch(/from mgmt-la$/);
      expect((await tspod(['pod', 'logs', '--color', '-c', 'mgmt-la', 'mgmt-logs'])).stdout).toMatch(/^\x1b\[\d+m[0-9a-f]{12}\x1b\[0m from mgmt-la$/);
      const none = await tspod(['pod', 'logs', '-c', 'nothing', 'mgmt-logs']);
      expect(none.exitCode).toBe(125);
    } finally {
      await tspod(['pod', 'rm', '-f', 'mgmt-logs']);
    }
  });
});

describe('kube and generate flags', () => {
  it('kube play --configmap --build --context-dir --annotation --no-hosts --replace --start=false, the refusals, kube down', async () => {
    const work = mkdtempSync(join(tmpdir(), 'tspod-mgmt-kube-'));
    dirs.push(work);
    mkdirSync(join(work, 'ctx', 'mgmt-kubeimg'), { recursive: true });
    writeFileSync(join(work, 'ctx', 'mgmt-kubeimg', 'Containerfile'), 'FROM busybox\nRUN echo built > /built\n');
    writeFileSync(join(work, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside\ndata:\n  FROM_FILE: file-value\n');
    const yaml = join(work, 'pod.yaml');
    writeFileSync(yaml, [
      'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: inside', 'data:', '  GREETING: hello', '---',
      'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: mgmt-kube', 'spec:', '  containers:', '  - name: main',
      '    image: localhost/mgmt-kubeimg:latest',
      '    command: ["sh", "-c", "echo $GREETING $FROM_FILE $(cat /built); test -e /etc/hosts || echo no-hosts; sleep 60"]',
      '    env:', '    - name: GREETING', '      valueFrom:', '        configMapKeyRef:', '          name: inside', '          key: GREETING',
      '    envFrom:', '    - configMapRef:', '        name: outside', '',
    ].join('\n'));
    try {
      const missing = await tspod(['kube', 'play', '--build=false', yaml]);
      expect(missing.exitCode).toBe(125);
      expect(missing.stderr).toContain('no ConfigMap named outside');
      const play = await tspod(['kube', 'play', '-q', '--context-dir', join(work, 'ctx'), '--configmap', join(work, 'cm.yaml'), '--annotation', 'mgmt=yes', '--no-hosts', yaml]);
      expect(play.exitCode, play.stderr).toBe(0);
      expect(play.stdout).toMatch(/^Pod:\n[0-9a-f]{64}\nContainers:\n[0-9a-f]{64}\n/);
      expect(await waitForLog('mgmt-kube-main', 'hello file-value built')).toBe(true);
      expect((await tspod(['logs', 'mgmt-kube-main'])).stdout).toContain('no-hosts');
      expect((await tspod(['inspect', '--format', '{{.Config.Annotations.mgmt}}', 'mgmt-kube-main'])).stdout).toBe('yes');

      const again = await tspod(['kube', 'play', '--configmap', join(work, 'cm.yaml'), '--context-dir', join(work, 'ctx'), yaml]);
      expect(again.exitCode).toBe(125);
      expect(again.stderr).toContain('pod mgmt-kube already exists');
      const replaced = await tspod(['kube', 'play', '-q', '--replace', '--start=false', '--configmap', join(work, 'cm.yaml'), '--context-dir', join(work, 'ctx'), yaml]);
      expect(replaced.exitCode, replaced.stderr).toBe(0);
      expect((await tspod(['ps', '-a', '--filter', 'name=mgmt-kube-main', '--format', '{{.Status}}'])).stdout).toBe('Created');

      for (const [flag, msg] of [[['--ip', '10.0.2.9'], '--ip: '], [['--mac-address', '92:d0:c6:0a:29:33'], '--mac-address: '], [['--network', 'bridge'], '--network bridge: '], [['--userns', 'auto'], '--userns auto: ']] as const) {
        const r = await tspod(['kube', 'play', ...flag, yaml]);
        expect(r.exitCode).toBe(125);
        expect(r.stderr).toMatch(new RegExp(`^Error: ${msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      }
      const down = await tspod(['kube', 'down', yaml]);
      expect(down.exitCode, down.stderr).toBe(0);
      expect(down.stdout).toMatch(/^Pods stopped and removed:\n[0-9a-f]{64}$/);
    } finally {
      await tspod(['pod', 'rm', '-f', 'mgmt-kube']);
      await tspod(['rmi', '-f', 'localhost/mgmt-kubeimg']);
    }
  });

  it('generate systemd --template --start-timeout, generate kube --service', async () => {
    expect((await tspod(['create', '--name', 'mgmt-unit', '-p', '18099:80', 'busybox', 'sleep', '9'])).exitCode).toBe(0);
    try {
      const unit = await tspod(['generate', 'systemd', '--template', '--start-timeout', '33', '--name', 'mgmt-unit']);
      expect(unit.exitCode, unit.stderr).toBe(0);
      expect(unit.stdout).toContain('# container-mgmt-unit@.service');
      expect(unit.stdout).toContain('Description=tspod container-mgmt-unit.service for %I');
      expect(unit.stdout).toContain('Environment=TSPOD_SYSTEMD_UNIT=%n-%i');
      expect(unit.stdout).toContain('TimeoutStartSec=33');
      expect(unit.stdout).toMatch(/\t--name mgmt-unit-%i .*busybox sleep 9\n/);
      expect(unit.stdout).toContain('--rm');
      const notNew = await tspod(['generate', 'systemd', '--template', '--new=false', 'mgmt-unit']);
      expect(notNew.stderr).toContain('Error: --template cannot be set with --new=false');
      const kube = await tspod(['generate', 'kube', '--service', 'mgmt-unit']);
      expect(kube.exitCode, kube.stderr).toBe(0);
      const docs = kube.stdout.split('\n---\n');
      expect(docs).toHaveLength(2);
      expect(docs[0]).toMatch(/kind: Service\n/);
      expect(docs[0]).toMatch(/selector:\n\s+app: mgmt-unit-pod\n\s+type: NodePort/);
      expect(docs[0]).toMatch(/- name: "80"\n\s+nodePort: 3\d{4}\n\s+port: 80\n\s+targetPort: 80/);
      expect(docs[1]).toMatch(/kind: Pod\n/);
      expect(docs[1]).toMatch(/labels:\n\s+app: mgmt-unit-pod/);
    } finally {
      await tspod(['rm', '-f', 'mgmt-unit']);
    }
  });
});

async function waitForLog(ctr: string, text: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if ((await tspod(['logs', ctr])).stdout.includes(text)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('container and image commands', () => {
  it('rm --depend, inspect --size, container cleanup --rm/--all and its refusal, pod inspect --format', async () => {
    expect((await tspod(['pod', 'create', '--name', 'mgmt-dep'])).exitCode).toBe(0);
    const member = (await tspod(['create', '--pod', 'mgmt-dep', '--name', 'mgmt-dep-m', 'busybox', 'true'])).stdout.trim();
    const infra = (await tspod(['pod', 'inspect', '--format', '{{.InfraContainerID}}', 'mgmt-dep'])).stdout.trim();
    expect(infra).toMatch(/^[0-9a-f]{64}$/);
    const dep = await tspod(['rm', '--depend', infra]);
    expect(dep.exitCode, dep.stderr).toBe(0);
    expect(dep.stdout).toBe(`${member}\n${infra}`);
    expect((await tspod(['pod', 'exists', 'mgmt-dep'])).exitCode).toBe(1);

    const run = await tspod(['run', '-d', '--name', 'mgmt-size', '--network', 'none', 'busybox', 'sh', '-c', 'head -c 100000 /dev/zero > /big; sleep 60']);
    expect(run.exitCode, run.stderr).toBe(0);
    try {
      let size = '';
      for (let i = 0; i < 50 && !/^[1-9]/.test(size); i++) {
        size = (await tspod(['container', 'inspect', '--size', '--format', '{{.SizeRw}} {{.SizeRootFs}}', 'mgmt-size'])).stdout;
        await new Promise((r) => setTimeout(r, 100));
      }
      const [rw, rootfs] = size.split(' ').map(Number);
      expect(rw).toBeGreaterThanOrEqual(100000);
      expect(rootfs).toBeGreaterThan(rw!);
      expect((await tspod(['inspect', '--format', '{{.SizeRw}}', 'mgmt-size'])).stderr).toMatch(/can't evaluate field SizeRw/);
      const busy = await tspod(['container', 'cleanup', 'mgmt-size']);
      expect(busy.exitCode).toBe(125);
      expect(busy.stderr).toMatch(/is running or paused, refusing to clean up: container state improper/);
    } finally {
      await tspod(['rm', '-f', '-t', '0', 'mgmt-size']);
    }
    const done = await tspod(['run', '--name', 'mgmt-clean', '--network', 'none', 'busybox', 'true']);
    expect(done.exitCode).toBe(0);
    const id = (await tspod(['inspect', '--format', '{{.Id}}', 'mgmt-clean'])).stdout;
    const clean = await tspod(['container', 'cleanup', '--rm', 'mgmt-clean']);
    expect(clean.exitCode, clean.stderr).toBe(0);
    expect(clean.stdout).toBe(id);
    expect((await tspod(['container', 'exists', 'mgmt-clean'])).exitCode).toBe(1);
    expect((await tspod(['container', 'cleanup', '--all', 'x'])).stderr).toContain('when using the --all switch');
  });

  it('image mount / image unmount: refused outside unshare as podman, the image\'s files inside', async () => {
    const outside = await tspod(['image', 'mount', 'busybox']);
    expect(outside.exitCode).toBe(125);
    expect(outside.stderr).toContain('Error: cannot run command "tspod image mount" in rootless mode, must execute `tspod unshare` first');
    const script = `p=$("$0" image mount busybox) && test -x "$p/bin/busybox" && echo mounted && "$0" image mount | grep -c "$p" && "$0" image unmount busybox >/dev/null && "$0" image mount | wc -l`;
    const r = await tspod(['unshare', 'sh', '-c', script, join(root, 'bin/tspod')]);
    expect(r.stdout.split('\n'), r.stderr).toEqual(['mounted', '1', '0']);
  });
});
