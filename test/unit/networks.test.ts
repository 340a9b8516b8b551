// User-defined networks without namespaces: subnet arithmetic and allocation, the network store
// (one file per network, an unreadable one spoiling only itself) and the engine's create/ls/rm rules.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completeSubnet, formatCidr, formatIp, freeAddress, freeIpv4Subnet, overlaps, parseCidr, parseIp } from '../../lib/network/subnet.js';
import { NetworkStore } from '../../lib/network/store.js';
import { Store } from '../../lib/storage/store.js';
import { networkCreate, networkExists, networkFind, networkList, networkPrune, networkRemove, staticAddressing } from '../../lib/engine/networks.js';

const work = mkdtempSync(join(tmpdir(), 'tspod-networks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const ops = { extractLayer: async () => undefined, remove: async (p: string[]) => p.forEach((x) => rmSync(x, { recursive: true, force: true })) };
const fresh = () => new Store(ops, join(work, `s${n++}`));

describe('subnets', () => {
  it('parses and prints IPv4 and IPv6 as Go does', () => {
    expect(formatCidr(parseCidr('10.89.3.7/24'))).toBe('10.89.3.0/24');
    expect(formatCidr(parseCidr('fd00:1:2::5/64'))).toBe('fd00:1:2::/64');
    expect(formatIp(6, parseIp('2001:db8:0:0:1:0:0:1')!.addr)).toBe('2001:db8::1:0:0:1');
    expect(formatIp(6, parseIp('::1')!.addr)).toBe('::1');
    for (const bad of ['10.89.0.0/33', '10.89.0/24', '256.1.1.1/8', '10.0.0.0', 'fd00:::1/64', '10.1.1.1/x']) {
      expect(() => parseCidr(bad), bad).toThrow(`invalid CIDR address: ${bad}`);
    }
  });

  it('finds overlaps and hands out 10.89.N.0/24 in order, skipping used ones', () => {
    expect(overlaps(parseCidr('10.89.0.0/16'), parseCidr('10.89.5.0/24'))).toBe(true);
    expect(overlaps(parseCidr('10.89.0.0/24'), parseCidr('10.89.1.0/24'))).toBe(false);
    expect(formatCidr(freeIpv4Subnet([]))).toBe('10.89.0.0/24');
    expect(formatCidr(freeIpv4Subnet([parseCidr('10.89.0.0/24'), parseCidr('10.89.2.0/24')]))).toBe('10.89.1.0/24');
    expect(formatCidr(freeIpv4Subnet([parseCidr('10.89.0.0/23')]))).toBe('10.89.2.0/24');
    expect(() => freeIpv4Subnet([parseCidr('10.89.0.0/16')])).toThrow('could not find free subnet');
  });

  it('completes gateways and lease ranges as podman writes them', () => {
    expect(completeSubnet('10.99.0.0/24')).toEqual({ subnet: '10.99.0.0/24', gateway: '10.99.0.1' });
    expect(completeSubnet('10.99.0.0/24', '10.99.0.5', '10.99.0.128/25')).toEqual({ subnet: '10.99.0.0/24', gateway: '10.99.0.5', lease_range: { start_ip: '10.99.0.129', end_ip: '10.99.0.255' } });
    expect(() => completeSubnet('10.5.0.0/24', '10.6.0.1')).toThrow('gateway 10.6.0.1 not in subnet 10.5.0.0/24');
    expect(() => completeSubnet('10.89.3.0/24', undefined, '10.90.0.0/24')).toThrow('lease range start ip 10.90.0.1 not in subnet 10.89.3.0/24');
  });

  it('allocates addresses past the gateway, within the range, never the broadcast', () => {
    const s = completeSubnet('10.99.0.0/30');
    expect(freeAddress(s, new Set())).toBe('10.99.0.2');
    expect(freeAddress(s, new Set(['10.99.0.2']))).toBeUndefined();
    const r = completeSubnet('10.99.0.0/24', '10.99.0.1', '10.99.0.128/25');
    expect(freeAddress(r, new Set(['10.99.0.129']))).toBe('10.99.0.130');
    const six = completeSubnet('fd00::/64');
    expect(freeAddress(six, new Set())).toBe('fd00::2');
  });
});

describe('network store and engine', () => {
  it('creates podman-shaped records, one file each, names and interfaces podmanN', async () => {
    const store = fresh();
    expect(await networkCreate({ name: 'a' }, store)).toBe('a');
    expect(await networkCreate({}, store)).toBe('podman1');
    const a = networkFind(store, 'a');
    expect(a).toMatchObject({ name: 'a', driver: 'bridge', network_interface: 'podman1', subnets: [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }], dns_enabled: true, internal: false, ipv6_enabled: false, ipam_options: { driver: 'host-local' } });
    expect(a.id).toMatch(/^[0-9a-f]{64}$/);
    expect(networkFind(store, 'podman1').network_interface).toBe('podman2');
    expect(networkFind(store, 'podman1').subnets[0]!.subnet).toBe('10.89.1.0/24');
    expect(networkFind(store, a.id.slice(0, 12)).name).toBe('a');
    expect(readdirSync(join(store.root, 'networks')).sort()).toEqual(['a.json', 'podman1.json']);
    expect(networkList([], store).map((x) => x.name)).toEqual(['a', 'podman', 'podman1']);
  });

  it('refuses what podman refuses, with its words', async () => {
    const store = fresh();
    await networkCreate({ name: 'a', subnets: ['10.50.0.0/24'] }, store);
    await expect(networkCreate({ name: 'a' }, store)).rejects.toThrow('network name a already used: network already exists');
    expect(await networkCreate({ name: 'a', ignore: true }, store)).toBe('a');
    await expect(networkCreate({ name: 'b', subnets: ['10.50.0.0/16'] }, store)).rejects.toThrow('subnet 10.50.0.0/16 is already used on the host or by another config');
    await expect(networkCreate({ name: 'bad name' }, store)).rejects.toThrow('network name bad name invalid: names must match');
    await expect(networkCreate({ name: 'c', gateways: ['10.1.1.1'] }, store)).rejects.toThrow('cannot set gateway or range without subnet');
    await expect(networkCreate({ name: 'c', driver: 'foo' }, store)).rejects.toThrow('unsupported driver foo: invalid argument');
    await expect(networkCreate({ name: 'c', options: { foo: 'bar' } }, store)).rejects.toThrow('unsupported bridge network option foo');
    await expect(networkCreate({ name: 'c', options: { mtu: 'abc' } }, store)).rejects.toThrow('strconv.Atoi: parsing "abc": invalid syntax');
    expect(networkExists('c', store)).toBe(false);
    const [r] = await networkRemove(['nope'], {}, store);
    expect(r).toMatchObject({ exitCode: 1, error: 'unable to find network with name or ID nope: network not found' });
    const [d] = await networkRemove(['podman'], {}, store);
    expect(d!.error).toBe('default network podman cannot be removed');
    expect(() => staticAddressing(networkFind(store, 'a'), { ip: '10.51.0.3' })).toThrow('requested static ip 10.51.0.3 not in any subnet on network a');
  });

  it('filters as podman: same key ORs, different keys AND; prune spares the default', async () => {
    const store = fresh();
    await networkCreate({ name: 'web', labels: { tier: 'front' } }, store);
    await networkCreate({ name: 'db', labels: { tier: 'back' } }, store);
    expect(networkList(['label=tier=front'], store).map((x) => x.name)).toEqual(['web']);
    expect(networkList(['name=web', 'name=db'], store).map((x) => x.name)).toEqual(['db', 'web']);
    expect(networkList(['name=web', 'label=tier=back'], store)).toEqual([]);
    expect(networkList(['dangling=true'], store).map((x) => x.name)).toEqual(['db', 'podman', 'web']);
    expect(() => networkList(['foo=bar'], store)).toThrow('invalid filter "foo"');
    expect(await networkPrune(['label=tier=back'], store)).toEqual(['db']);
    expect(await networkPrune([], store)).toEqual(['web']);
    expect(networkList([], store).map((x) => x.name)).toEqual(['podman']);
  });

  it('an unreadable network file spoils only its own network', async () => {
    const store = fresh();
    await networkCreate({ name: 'good' }, store);
    writeFileSync(join(store.root, 'networks', 'bad.json'), '{"name": "bad", "id": tru');
    writeFileSync(join(store.root, 'networks', 'other.json'), '{"name": "someone-else", "id": "x", "subnets": []}');
    const good = JSON.parse(readFileSync(join(store.root, 'networks', 'good.json'), 'utf8'));
    // fields that would reach ip or nft in the namespace are checked
    writeFileSync(join(store.root, 'networks', 'evil.json'), JSON.stringify({ ...good, name: 'evil', network_interface: 'x; rm -rf ~' }));
    writeFileSync(join(store.root, 'networks', 'evil2.json'), JSON.stringify({ ...good, name: 'evil2', subnets: [{ subnet: '10.1.0.0/24; drop', gateway: '10.1.0.1' }] }));
    const ns = new NetworkStore(store.root);
    const bad: string[] = [];
    expect(ns.list((name) => bad.push(name)).map((x) => x.name)).toEqual(['good', 'podman']);
    expect(bad.sort()).toEqual(['bad', 'evil', 'evil2', 'other']);
    expect(() => networkFind(store, 'other')).toThrow('is not a network record');
    // a new network still gets a free subnet and interface
    expect(await networkCreate({ name: 'next' }, store)).toBe('next');
  });
});
