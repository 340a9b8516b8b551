// lib/spec/secrets.ts: --secret and secret names, podman 4.3.1's words. Budget: about 1 s.
import { describe, expect, it } from 'vitest';
import { checkSecretName, parseSecretFilters, parseSecretFlag } from '../../lib/spec/secrets.js';

const msg = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return [(err as Error).message, (err as { exitCode?: number }).exitCode];
  }
  return undefined;
};

describe('--secret', () => {
  it('reads podman\'s forms', () => {
    expect(parseSecretFlag('pw')).toEqual({ source: 'pw', type: 'mount', target: 'pw', uid: 0, gid: 0, mode: 0o444 });
    expect(parseSecretFlag('source=pw,type=env,target=PW')).toEqual({ source: 'pw', type: 'env', target: 'PW', uid: 0, gid: 0, mode: 0o444 });
    expect(parseSecretFlag('pw,target=/etc/x,uid=5,gid=6,mode=0400')).toEqual({ source: 'pw', type: 'mount', target: '/etc/x', uid: 5, gid: 6, mode: 0o400 });
  });
  it('refuses with podman\'s words', () => {
    expect(msg(() => parseSecretFlag('pw,type=bogus'))).toEqual(['type bogus is invalid: parsing secret', 125]);
    expect(msg(() => parseSecretFlag('pw,foo=1'))).toEqual(['option foo=1 invalid: parsing secret', 125]);
    expect(msg(() => parseSecretFlag('pw,type=env,mode=0400'))).toEqual(['UID, GID, Mode options cannot be set with secret type env: parsing secret', 125]);
    expect(msg(() => parseSecretFlag('pw,uid=4294967295'))).toEqual(['uids and gids must be in range 0-2147483647', 126]);
    expect(msg(() => parseSecretFlag('pw,target=../../etc/x'))?.[0]).toMatch(/^target \.\.\/\.\.\/etc\/x invalid/);
    expect(msg(() => parseSecretFlag('pw,target=a/b'))?.[0]).toMatch(/^target a\/b invalid/);
    expect(msg(() => parseSecretFlag('pw,mode=9'))?.[0]).toBe('mode 9 invalid: parsing secret');
  });
  it('names and filters', () => {
    expect(msg(() => checkSecretName('ok.name-1'))).toBeUndefined();
    expect(msg(() => checkSecretName('-x'))?.[0]).toBe('only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: -x: invalid secret name');
    expect(parseSecretFilters(['name=a', 'id=b'])).toEqual([{ key: 'name', value: 'a' }, { key: 'id', value: 'b' }]);
    expect(msg(() => parseSecretFilters(['label=x']))?.[0]).toBe('invalid filter "label"');
  });
});
