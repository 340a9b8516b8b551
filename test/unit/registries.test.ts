// registries.conf parsing and what a reference resolves to; auth challenges.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistriesConf, parseRegistriesConf } from '../../lib/config/registries-conf.js';
import { pullCandidates } from '../../lib/image/registries.js';
import { parseChallenge } from '../../lib/image/registry-client.js';
import { selectPlatform } from '../../lib/image/manifest.js';

const conf = parseRegistriesConf(`
unqualified-search-registries = ["registry.example", "docker.io"]
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
[[registry]]
prefix = "registry.example/team"
location = "internal.example:5000/mirror/team"
insecure = true
[[registry.mirror]]
location = "cache.example/team"
[[registry]]
location = "bad.example"
blocked = true
[[registry]]
prefix = "*.corp.example"
insecure = true
`, 'test.conf');

describe('registries.conf', () => {
  it('searches unqualified names in order, adding library/ for docker.io', () => {
    expect(pullCandidates(conf, 'busybox').map((c) => c.name)).toEqual(['registry.example/busybox:latest', 'docker.io/library/busybox:latest']);
  });

  it('resolves aliases, keeping the tag the user gave', () => {
    expect(pullCandidates(conf, 'fedora:39').map((c) => c.name)).toEqual(['registry.fedoraproject.org/fedora:39']);
  });

  it('rewrites a prefix to its location, mirrors first, insecure as configured or as --tls-verify says', () => {
    const [c] = pullCandidates(conf, 'registry.example/team/app:1');
    expect(c!.name).toBe('registry.example/team/app:1');
    expect(c!.endpoints).toEqual([
      { host: 'cache.example', path: 'team/app', insecure: false, mirror: true },
      { host: 'internal.example:5000', path: 'mirror/team/app', insecure: true, mirror: false },
    ]);
    expect(pullCandidates(conf, 'registry.example/team/app:1', true)[0]!.endpoints.every((e) => !e.insecure)).toBe(true);
    // A prefix matches at path boundaries only.
    expect(pullCandidates(conf, 'registry.example/teamwork/app')[0]!.endpoints).toEqual([{ host: 'registry.example', path: 'teamwork/app', insecure: false, mirror: false }]);
  });

  it('matches wildcard prefixes and refuses blocked registries', () => {
    expect(pullCandidates(conf, 'a.corp.example/x')[0]!.endpoints[0]).toEqual({ host: 'a.corp.example', path: 'x', insecure: true, mirror: false });
    expect(() => pullCandidates(conf, 'bad.example/x')).toThrow(/registry "bad.example" is blocked in test.conf/);
  });

  it('refuses the v1 format and bad values with the file named', () => {
    expect(() => parseRegistriesConf('[registries.search]\nregistries = ["a"]\n', 'old.conf')).toThrow(/old v1 format/);
    expect(() => parseRegistriesConf('[[registry]]\nlocation = "a"\ninsecure = "yes"\n', 'x.conf')).toThrow(/x.conf: insecure of "a" must be true or false/);
    expect(() => parseRegistriesConf('unqualified-search-registries = [', 'y.conf')).toThrow(/y.conf is not valid TOML/);
  });
});

describe('WWW-Authenticate', () => {
  it('reads Bearer parameters, quoted and with commas inside quotes', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm="x"').scheme).toBe('basic');
  });
});

describe('platform selection', () => {
  const d = (architecture: string, variant?: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${architecture}${variant ?? ''}`, size: 1, platform: { os: 'linux', architecture, variant } });
  const index = { schemaVersion: 2 as const, manifests: [d('arm', 'v7'), d('arm64', 'v8'), d('amd64')] };
  it('matches os/arch, and a variant on one side only', () => {
    expect(selectPlatform(index, { os: 'linux', architecture: 'amd64' }, 'x').digest).toBe('sha256:amd64');
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm64' }, 'x').digest).toBe('sha256:arm64v8');
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'x').digest).toBe('sha256:armv7');
    expect(() => selectPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v6' }, 'x')).toThrow(/no image for linux\/arm\/v6/);
  });
});

describe('registries.conf drop-ins (containers-registries.conf.d)', () => {
  it("reads podman's user file and its registries.conf.d in name order, later fields winning", () => {
    const cfg = mkdtempSync(join(tmpdir(), 'regconf-'));
    const env = { HOME: cfg, XDG_CONFIG_HOME: cfg };
    mkdirSync(join(cfg, 'containers', 'registries.conf.d'), { recursive: true });
    writeFileSync(join(cfg, 'containers', 'registries.conf'), 'unqualified-search-registries = ["one.example"]\n[aliases]\n"a" = "one.example/a"\n');
    writeFileSync(join(cfg, 'containers', 'registries.conf.d', '50-mirror.conf'), '[[registry]]\nprefix = "quay.io/libpod"\nlocation = "127.0.0.1:6556/libpod"\ninsecure = true\n');
    writeFileSync(join(cfg, 'containers', 'registries.conf.d', '60-more.conf'), '[[registry]]\nprefix = "quay.io/libpod"\nlocation = "127.0.0.1:7000/libpod"\n[aliases]\n"b" = "two.example/b"\n');
    writeFileSync(join(cfg, 'containers', 'registries.conf.d', 'ignored.txt'), 'not toml [');
    const c = loadRegistriesConf(env);
    expect(c.file).toBe(join(cfg, 'containers', 'registries.conf'));
    expect(c.unqualifiedSearch).toEqual(['one.example']);
    expect(c.aliases).toEqual({ a: 'one.example/a', b: 'two.example/b' });
    expect(c.registries.map((r) => [r.prefix, r.location, r.insecure])).toEqual([['quay.io/libpod', '127.0.0.1:7000/libpod', false]]);
    expect(pullCandidates(c, 'quay.io/libpod/testimage:1')[0]!.name).toBe('quay.io/libpod/testimage:1');
    // tspod's own file comes first, and CONTAINERS_REGISTRIES_CONF stands alone (no drop-ins).
    mkdirSync(join(cfg, 'tspod'));
    writeFileSync(join(cfg, 'tspod', 'registries.conf'), 'unqualified-search-registries = ["mine.example"]\n');
    expect(loadRegistriesConf(env).unqualifiedSearch).toEqual(['mine.example']);
    expect(loadRegistriesConf(env).registries).toHaveLength(1);
    expect(loadRegistriesConf({ ...env, CONTAINERS_REGISTRIES_CONF: join(cfg, 'tspod', 'registries.conf') }).registries).toEqual([]);
  });
});
