// --network's spec for the modes that join another namespace (container:REF, ns:PATH), the flags
// podman refuses beside them, and the /etc/hosts line a joining container adds to the shared file.
import { describe, expect, it } from 'vitest';
import { checkJoinedNetworkFiles, checkStaticAddressing, parseNetworkSpec } from '../../lib/spec/network.js';
import { hostsWithEntry, hostsWithoutEntry } from '../../lib/network/etc-files.js';

describe('--network container: and ns:', () => {
  it('names another container, or a namespace file', () => {
    expect(parseNetworkSpec('container:web')).toEqual({ mode: 'container', container: 'web' });
    expect(parseNetworkSpec('container:0123abcd')).toEqual({ mode: 'container', container: '0123abcd' });
    expect(parseNetworkSpec('ns:/proc/42/ns/net')).toEqual({ mode: 'ns', path: '/proc/42/ns/net' });
  });

  it('refuses an empty value with podman\'s words; a bare word is a network name', () => {
    expect(() => parseNetworkSpec('container:')).toThrow(/^invalid config provided: namespace mode container requires a value$/);
    expect(() => parseNetworkSpec('ns:')).toThrow(/^invalid config provided: namespace mode path requires a value$/);
    expect(parseNetworkSpec('container')).toEqual({ mode: 'bridge', networks: ['container'] });
    expect(parseNetworkSpec('ns')).toEqual({ mode: 'bridge', networks: ['ns'] });
  });

  it('refuses the addressing flags with podman\'s words, the first in its order', () => {
    const spec = parseNetworkSpec('container:web');
    expect(() => checkStaticAddressing(spec, { ip: '10.0.2.5', aliases: ['a'] })).toThrow(/^--ip can only be set when the network mode is bridge: invalid argument\n/);
    expect(() => checkStaticAddressing(spec, { ip6: 'fd00::5' })).toThrow(/^--ip6 can only be set/);
    expect(() => checkStaticAddressing(spec, { mac: '92:d0:c6:0a:29:33' })).toThrow(/^--mac-address can only be set/);
    expect(() => checkStaticAddressing(spec, { aliases: ['a'] })).toThrow(/^--network-alias can only be set/);
    expect(() => checkStaticAddressing(parseNetworkSpec('ns:/x'), { ip: '10.0.2.5' })).toThrow(/^--ip can only be set/);
    expect(() => checkStaticAddressing(spec, { aliases: [] })).not.toThrow();
  });

  it('refuses --dns* and --add-host beside container: (the other container\'s files are used)', () => {
    const spec = parseNetworkSpec('container:web');
    expect(() => checkJoinedNetworkFiles(spec, { dns: true, addHost: false })).toThrow(/^conflicting options: dns and the network mode: container\n/);
    expect(() => checkJoinedNetworkFiles(spec, { dns: false, addHost: true })).toThrow(/^invalid config provided: cannot set extra host entries when the container is joined to another containers network namespace: invalid configuration\n/);
    expect(() => checkJoinedNetworkFiles(spec, { dns: false, addHost: false })).not.toThrow();
    expect(() => checkJoinedNetworkFiles(parseNetworkSpec('ns:/x'), { dns: true, addHost: true })).not.toThrow();
  });
});

describe('the shared /etc/hosts line', () => {
  const base = '127.0.0.1\tlocalhost\n10.0.2.100\tabc x\n';
  it('is added once, at the end, and removed alone', () => {
    const added = hostsWithEntry(base, '127.0.0.1', ['def', 'y']);
    expect(added).toBe(`${base}127.0.0.1\tdef y\n`);
    expect(hostsWithEntry(added, '127.0.0.1', ['def', 'y'])).toBe(added);
    expect(hostsWithEntry('a\tb', '127.0.0.1', ['c'])).toBe('a\tb\n127.0.0.1\tc\n');
    expect(hostsWithoutEntry(added, ['def', 'y'])).toBe(base);
    expect(hostsWithoutEntry(base, ['abc'])).toBe(base);
  });
});

describe('what a container depends on', () => {
  it('is what it joins or requires, as podman counts it', async () => {
    const { dependenciesOf } = await import('../../lib/engine/dependencies.js');
    const rec = (config: Record<string, unknown>) => ({ id: 'y', config: { network: 'slirp4netns', ...config } }) as unknown as Parameters<typeof dependenciesOf>[0];
    expect(dependenciesOf(rec({}))).toEqual([]);
    expect(dependenciesOf(rec({ network: 'container:x' }))).toEqual(['x']);
    expect(dependenciesOf(rec({ network: 'container:x', joinNamespaces: { container: 'x', kinds: ['net'] } }))).toEqual(['x']);
    expect(dependenciesOf(rec({ requires: ['a', 'b'], joinNamespaces: { container: 'c', kinds: ['pid'] } })).sort()).toEqual(['a', 'b', 'c']);
    expect(dependenciesOf(rec({ userns: { mode: 'container', container: 'u' } }))).toEqual(['u']);
  });
});
