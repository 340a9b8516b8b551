// podman's container filters as parseFilters reads them: the new keys (exited, health), several
// values of one key (any matches), podman's wording for a bad key or value. (Budget: about 1 s.)
import { describe, expect, it } from 'vitest';
import { parseFilters } from '../../lib/engine/containers.js';

const ctr = (name: string, status: string, exitCode?: number, labels: Record<string, string> = {}) =>
  ({ id: `${name}0000`, name, imageName: 'localhost/busybox:latest', imageId: 'sha256:feed', created: '2026-01-01T00:00:00Z', command: [], config: { labels }, state: { status, exitCode } }) as never;

const pick = (specs: string[], list: never[]) => list.filter((c) => parseFilters(specs).every((f) => f.match(c))).map((c) => (c as { name: string }).name);

describe('container filters', () => {
  const list = [ctr('a', 'exited', 0, { tier: 'web' }), ctr('b', 'exited', 3, { tier: 'db' }), ctr('c', 'running', undefined, { tier: 'web' }), ctr('d', 'created')];

  it('exited= matches exited containers by exit code', () => {
    expect(pick(['exited=3'], list)).toEqual(['b']);
    expect(pick(['exited=0'], list)).toEqual(['a']);
    expect(() => parseFilters(['exited=x'])).toThrow(/^exited code out of range "x"/);
  });

  it('several values of one key: any; different keys: all', () => {
    expect(pick(['name=^a$', 'name=^c$'], list)).toEqual(['a', 'c']);
    expect(pick(['label=tier=web', 'status=running'], list)).toEqual(['c']);
    expect(pick(['status=exited', 'status=created'], list)).toEqual(['a', 'b', 'd']);
  });

  it('health: no container has a healthcheck, so only health=none matches', () => {
    expect(pick(['health=healthy'], list)).toEqual([]);
    expect(pick(['health=none'], list)).toEqual(['a', 'b', 'c', 'd']);
    expect(() => parseFilters(['health=sick'])).toThrow(/^sick is not a valid health status$/);
  });

  it("podman's wording for an unknown key or state", () => {
    expect(() => parseFilters(['color=red'])).toThrow(/^color is an invalid filter$/);
    expect(() => parseFilters(['status=bad'])).toThrow(/^unknown container state: bad: invalid argument$/);
  });
});
