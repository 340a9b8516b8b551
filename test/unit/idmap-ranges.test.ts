// Every /etc/subuid range of the user is mapped (podman's concatenation), and
// ids outside 0-2147483647 are refused before anything runs.
import { describe, expect, it } from 'vitest';
import { idMapArgs, idMappingsFrom, parseSubidRanges, splitAtRanges } from '../../lib/runtime/idmap.js';
import { checkUserIds } from '../../lib/runtime/security.js';
import { helperError } from '../../lib/runtime/sync.js';

const subid = 'alice:100000:65536\nbob:300000:65536\n1005:200000:1000\nalice:2000000:65536\n';

describe('subordinate id ranges', () => {
  it('finds every range of the user, by name or uid, in file order', () => {
    expect(parseSubidRanges(subid, 'alice', 1005)).toEqual([
      { start: 100000, count: 65536 },
      { start: 200000, count: 1000 },
      { start: 2000000, count: 65536 },
    ]);
    expect(parseSubidRanges(subid, 'bob', 7)).toEqual([{ start: 300000, count: 65536 }]);
    expect(parseSubidRanges('carol:x:1\ncarol:5:0\ncarol:-3:4\n', 'carol', 9)).toEqual([]);
  });

  it('maps the user to 0 and the ranges one after the other from 1', () => {
    expect(idMapArgs(1000, [{ start: 100000, count: 65536 }])).toEqual(['0', '1000', '1', '1', '100000', '65536']);
    expect(idMapArgs(1000, [{ start: 100000, count: 65536 }, { start: 2000000, count: 65536 }, { start: 50, count: 10 }])).toEqual([
      '0', '1000', '1',
      '1', '100000', '65536',
      '65537', '2000000', '65536',
      '131073', '50', '10',
    ]);
  });

  it('keeps within the kernel limit of 340 map lines', () => {
    const many = Array.from({ length: 400 }, (_, i) => ({ start: 100000 + i * 10, count: 10 }));
    expect(idMapArgs(1000, many).length).toBe(340 * 3);
  });

  it('keeps the first range for info and every range for the maps', () => {
    const m = idMappingsFrom(subid, subid, 'alice', 1005, 1005);
    expect(m.subuid).toEqual({ start: 100000, count: 65536 });
    expect(m.subuids).toHaveLength(3);
    expect(m.subgids).toHaveLength(3);
  });
});

describe('user and group ids', () => {
  it('accepts 0-2147483647 and names', () => {
    for (const ok of ['0', '2147483647', '1000:1000', 'nobody', 'daemon:wheel', '0:2147483647']) expect(() => checkUserIds(ok)).not.toThrow();
  });

  it('refuses larger or negative ids with podman\'s message and exit 126', () => {
    for (const bad of ['2147483648', '4294967295', '4294967296', '1000:4294967295', '-1', '0:-1', '99999999999999999999']) {
      let err: unknown;
      try {
        checkUserIds(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toMatchObject({ message: 'uids and gids must be in range 0-2147483647', exitCode: 126 });
    }
  });

  it('maps the helper\'s idrange failure (ids from the image) to exit 126', () => {
    const err = helperError('error\tidrange\t0\tuids and gids must be in range 0-2147483647 (/etc/passwd has "4294967295")');
    expect(err.exitCode).toBe(126);
    expect(err.message).toMatch(/^uids and gids must be in range 0-2147483647/);
  });
});

describe('nested maps across several subordinate ranges', () => {
  it('are split where the shared namespace\'s ranges meet (the kernel maps each entry through one)', () => {
    const two = [{ start: 231072, count: 65536 }, { start: 2000000, count: 65536 }];
    // keep-id for uid 1003 with 1 + 2 x 65536 ids: the last entry runs across both ranges
    const keep = [{ container: 0, host: 1, size: 1003 }, { container: 1003, host: 0, size: 1 }, { container: 1004, host: 1004, size: 130069 }];
    expect(splitAtRanges(keep, two)).toEqual([
      { container: 0, host: 1, size: 1003 }, { container: 1003, host: 0, size: 1 },
      { container: 1004, host: 1004, size: 64533 }, { container: 65537, host: 65537, size: 65536 },
    ]);
    // one range: nothing to split; an entry from 0 over the user's own id splits there
    const keepOne = [...keep.slice(0, 2), { container: 1004, host: 1004, size: 64533 }];
    expect(splitAtRanges(keepOne, two.slice(0, 1))).toEqual(keepOne);
    expect(splitAtRanges([{ container: 0, host: 0, size: 10 }], two)).toEqual([{ container: 0, host: 0, size: 1 }, { container: 1, host: 1, size: 9 }]);
  });
});
