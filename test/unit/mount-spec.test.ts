// --mount as podman 4.3 parses it: each type's keys, defaults and refusals with podman's wording.
import { describe, expect, it } from 'vitest';
import { parseMountFlag } from '../../lib/spec/mounts.js';

describe('--mount', () => {
  it('binds a host path, read-only with ro, readonly or readonly=true; rw=false too', () => {
    expect(parseMountFlag('type=bind,src=/tmp,target=/x')).toEqual({ type: 'bind', source: '/tmp', destination: '/x', readonly: false, options: [] });
    for (const ro of ['ro', 'readonly', 'readonly=true', 'ro=true', 'rw=false']) {
      expect(parseMountFlag(`type=bind,source=/tmp,dst=/x/,${ro}`)).toMatchObject({ destination: '/x', readonly: true });
    }
    expect(parseMountFlag('type=bind,src=/tmp,destination=/x,ro=false')).toMatchObject({ readonly: false });
    // No source: the target's own path on the host, as podman.
    expect(parseMountFlag('type=bind,target=/srv')).toMatchObject({ source: '/srv' });
    expect(parseMountFlag('type=bind,src=/a,target=/b,bind-propagation=rprivate,z')).toMatchObject({ options: ['bind-propagation=rprivate', 'z'] });
  });

  it('names a volume, or makes an anonymous one without a source; nocopy and volume-nocopy', () => {
    expect(parseMountFlag('type=volume,source=data,target=/data')).toEqual({ type: 'volume', volume: 'data', destination: '/data', readonly: false, noCopy: false, options: [] });
    expect(parseMountFlag('type=volume,target=/data,ro')).toMatchObject({ volume: '', readonly: true });
    expect(parseMountFlag('type=volume,src=v,target=/d,volume-nocopy')).toMatchObject({ noCopy: true });
    expect(parseMountFlag('type=volume,src=v,target=/d,nocopy=true')).toMatchObject({ noCopy: true });
  });

  it('turns tmpfs-size and tmpfs-mode into mount options', () => {
    expect(parseMountFlag('type=tmpfs,target=/x,tmpfs-size=1m,tmpfs-mode=0700,noexec')).toEqual({ type: 'tmpfs', destination: '/x', readonly: false, options: ['size=1m', 'mode=0700', 'noexec'] });
  });

  it('takes devpts with numeric uid, gid, mode and max', () => {
    expect(parseMountFlag('type=devpts,target=/dev/pts2,max=5')).toEqual({ type: 'devpts', destination: '/dev/pts2', options: ['max=5'] });
  });

  it('refuses what podman refuses, in its words', () => {
    const cases: Array<[string, RegExp]> = [
      ['src=/tmp,target=/x', /^incorrect mount format: should be --mount type=<bind\|tmpfs\|volume>/],
      ['type=foo,target=/x', /^invalid filesystem type "foo"$/],
      ['type=bind,src=/tmp', /^must set volume destination$/],
      ['type=bind,src=/tmp,target=/x,bogus', /^bogus: invalid mount option$/],
      ['type=bind,src=/tmp,dst=/x,ro=maybe', /must be set to true or false, instead received "maybe"/],
      ['type=volume,target=/x,src=/abs', /^creating named volume "\/abs": running volume create option: names must match/],
      ['type=tmpfs,target=/x,tmpfs-size=abc', /invalid tmpfs-size "abc"/],
      ['type=tmpfs,target=/x,tmpfs-mode=999', /invalid tmpfs-mode "999"/],
      ['type=bind,src=/tmp,target=x', /invalid container path "x", must be an absolute path/],
      ['type=bind,src=/tmp,target=/a/../../etc', /must not contain "\.\."/],
      ['type=bind,src=rel,target=/x', /must be an absolute host path/],
      ['type=devpts,target=/dev/pts2,max=lots', /max=lots: invalid mount option/],
    ];
    for (const [spec, message] of cases) expect(() => parseMountFlag(spec), spec).toThrow(message);
  });
});
