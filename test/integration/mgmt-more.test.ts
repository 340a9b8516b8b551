// podman's management commands added by the mgmt branch: manifest lists (created, changed,
// pushed to the test set-up's docker-registry and pulled back), search against that
// registry, and the flags added to existing verbs. (Budget: about 60 s.)
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
