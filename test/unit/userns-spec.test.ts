// --userns, --uidmap, --gidmap, --subuidname: the spec and podman 4.3's messages for bad values.
import { describe, expect, it } from 'vitest';
import { idMapStrings, keepIdEntries, parseUserns, usernsModeString, type UsernsContext } from '../../lib/spec/userns.js';

// tspod-ex on these machines: uid 1002, one range of 65536 subordinate ids.
const ctx: UsernsContext = { uid: 1002, gid: 1002, uidCount: 65537, gidCount: 65537 };
const err = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('--userns', () => {
  it('defaults to the shared namespace (host, or nothing)', () => {
    expect(parseUserns({}, ctx)).toEqual({ mode: 'host', uidMap: [], gidMap: [] });
    expect(parseUserns({ userns: 'host' }, ctx).mode).toBe('host');
    expect(usernsModeString(parseUserns({}, ctx))).toBe('');
  });

  it('keep-id maps the user to their own ids and shifts the rest, as podman', () => {
    const s = parseUserns({ userns: 'keep-id' }, ctx);
    expect(idMapStrings(s.uidMap)).toEqual(['0:1:1002', '1002:0:1', '1003:1003:64534']);
    expect(idMapStrings(s.gidMap)).toEqual(['0:1:1002', '1002:0:1', '1003:1003:64534']);
    expect(s.keepId).toEqual({ uid: 1002, gid: 1002, named: true });
    expect(usernsModeString(s)).toBe('private');
    const o = parseUserns({ userns: 'keep-id:uid=200,gid=300' }, ctx);
    expect(idMapStrings(o.uidMap)).toEqual(['0:1:200', '200:0:1', '201:201:65336']);
    expect(idMapStrings(o.gidMap)).toEqual(['0:1:300', '300:0:1', '301:301:65236']);
    expect(idMapStrings(parseUserns({ userns: 'keep-id:uid=0' }, ctx).uidMap)).toEqual(['0:0:1', '1:1:65536']);
  });

  it('keep-id adds passwd and group entries only when the image lacks them', () => {
    expect(keepIdEntries({ uid: 1002, gid: 1002, named: true }, 'tspod-ex', '', 'root:x:0:0:root:/root:/bin/sh\n', 'root:x:0:\n'))
      .toEqual({ passwd: 'tspod-ex:*:1002:1002::/:/bin/sh\n', group: 'tspod-ex:x:1002:tspod-ex\n' });
    expect(keepIdEntries({ uid: 200, gid: 300, named: false }, 'tspod-ex', '', '', ''))
      .toEqual({ passwd: '200:*:200:300:container user:/:/bin/sh\n', group: '300:x:300:200\n' });
    expect(keepIdEntries({ uid: 0, gid: 0, named: false }, 'u', '', 'root:x:0:0::/:/bin/sh', 'root:x:0:')).toEqual({});
  });

  it('nomap leaves the user out: every subordinate id from 0', () => {
    const s = parseUserns({ userns: 'nomap' }, ctx);
    expect(idMapStrings(s.uidMap)).toEqual(['0:1:65536']);
  });

  it('auto allocates a free range of the subordinate ids (1024 at least, or size=)', () => {
    expect(idMapStrings(parseUserns({ userns: 'auto' }, ctx).uidMap)).toEqual(['0:1:1024']);
    expect(idMapStrings(parseUserns({ userns: 'auto' }, { ...ctx, autoNeeded: 2000 }).uidMap)).toEqual(['0:1:2000']);
    const used = [{ container: 0, host: 1, size: 1024 }];
    expect(idMapStrings(parseUserns({ userns: 'auto:size=500' }, { ...ctx, usedUids: used, usedGids: used }).uidMap)).toEqual(['0:1025:500']);
    expect(idMapStrings(parseUserns({ userns: 'auto:size=10,uidmapping=0:0:1' }, ctx).uidMap)).toEqual(['0:0:1', '1:2:9']);
    const all = [{ container: 0, host: 1, size: 65536 }];
    expect(err(() => parseUserns({ userns: 'auto' }, { ...ctx, usedUids: all }))).toBe('creating container storage: could not find enough available IDs');
    expect(err(() => parseUserns({ userns: 'auto:size=70000' }, ctx))).toBe('creating container storage: could not find enough available IDs');
    expect(err(() => parseUserns({ userns: 'auto:size=x' }, ctx))).toBe('strconv.ParseUint: parsing "x": invalid syntax');
    expect(err(() => parseUserns({ userns: 'auto:foo=1' }, ctx))).toBe('unknown option specified: "foo"');
  });

  it('ns:PATH and container:ID name another namespace', () => {
    expect(parseUserns({ userns: 'ns:/proc/1/ns/user' }, ctx)).toMatchObject({ mode: 'ns', path: '/proc/1/ns/user' });
    expect(usernsModeString(parseUserns({ userns: 'ns:/x' }, ctx))).toBe('ns:/x');
    expect(parseUserns({ userns: 'container:web' }, ctx)).toMatchObject({ mode: 'container', container: 'web' });
  });

  it('refuses what podman refuses, with its words', () => {
    expect(err(() => parseUserns({ userns: 'private' }, ctx))).toBe('must provide at least one UID or GID mapping to configure a user namespace');
    expect(err(() => parseUserns({ userns: 'bogus' }, ctx))).toBe('unrecognized namespace mode bogus passed');
    expect(err(() => parseUserns({ userns: 'keep-id:foo=1' }, ctx))).toBe('unknown option specified: "foo"');
    expect(err(() => parseUserns({ userns: 'keep-id:uid=x' }, ctx))).toBe('strconv.ParseUint: parsing "x": invalid syntax');
    expect(err(() => parseUserns({ userns: 'keep-id', uidmap: ['0:1:1000'] }, ctx))).toBe('--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive');
  });
});

describe('--uidmap and --gidmap', () => {
  it('map container ids to ids of the shared namespace; one given serves both', () => {
    const s = parseUserns({ uidmap: ['0:1:1000'] }, ctx);
    expect(s.mode).toBe('private');
    expect(idMapStrings(s.uidMap)).toEqual(['0:1:1000']);
    expect(idMapStrings(s.gidMap)).toEqual(['0:1:1000']);
    expect(idMapStrings(parseUserns({ gidmap: ['0:1:10'] }, ctx).uidMap)).toEqual(['0:1:10']);
    expect(idMapStrings(parseUserns({ uidmap: ['0:1:10', '10:20:5'], gidmap: ['0:100:1'] }, ctx).gidMap)).toEqual(['0:100:1']);
  });

  it('refuse malformed, unmapped-root, overlapping and out-of-range maps', () => {
    expect(err(() => parseUserns({ uidmap: ['bad'] }, ctx))).toBe('initializing ID mappings: UID setting is malformed expected ["uint32:uint32:uint32"]: ["bad"]');
    expect(err(() => parseUserns({ uidmap: ['1:1:1000'] }, ctx))).toBe('container ID 0 cannot be mapped to a host ID');
    expect(err(() => parseUserns({ uidmap: ['0:1:10', '5:100:10'] }, ctx))).toMatch(/^invalid UID mapping: container IDs 5 overlap/);
    expect(err(() => parseUserns({ uidmap: ['0:70000:1000'] }, ctx))).toMatch(/^potentially insufficient UIDs or GIDs available in user namespace \(requested 70000:70999/);
  });

  it('--subuidname and --subgidname are refused rootless, with the way out', () => {
    expect(err(() => parseUserns({ subuidname: 'alice' }, ctx))).toMatch(/^--subuidname alice: potentially insufficient UIDs or GIDs available in user namespace: .*--uidmap/);
    expect(err(() => parseUserns({ subgidname: 'alice' }, ctx))).toMatch(/^--subgidname alice:/);
  });
});
