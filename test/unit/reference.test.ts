import { describe, expect, it } from 'vitest';
import { formatReference, parseReference, qualify } from '../../lib/image/reference.js';
import { archiveImageName, findLocalImage, localImageName } from '../../lib/image/resolve.js';
import type { ImageRecord } from '../../lib/storage/images.js';

describe('parseReference', () => {
  it.each([
    ['busybox', { path: 'busybox' }],
    ['busybox:1.36', { path: 'busybox', tag: '1.36' }],
    ['library/busybox', { path: 'library/busybox' }],
    ['localhost/busybox', { domain: 'localhost', path: 'busybox' }],
    ['host:5000/ns/name:tag', { domain: 'host:5000', path: 'ns/name', tag: 'tag' }],
    ['quay.io/a/b@sha256:' + 'a'.repeat(64), { domain: 'quay.io', path: 'a/b', digest: 'sha256:' + 'a'.repeat(64) }],
    ['127.0.0.1:5000/x:v1@sha256:' + 'b'.repeat(64), { domain: '127.0.0.1:5000', path: 'x', tag: 'v1', digest: 'sha256:' + 'b'.repeat(64) }],
  ])('%s', (ref, want) => {
    expect(parseReference(ref)).toEqual({ domain: undefined, tag: undefined, digest: undefined, ...want });
  });

  it.each([
    ['', /empty/],
    ['Busybox', /lowercase/],
    ['busybox:', /not a valid tag/],
    ['busybox:bad tag', /not a valid tag/],
    ['a//b', /not allowed/],
    ['busybox@sha256:xyz', /not a digest/],
    ['-lead', /not allowed/],
  ])('refuses %j', (ref, why) => {
    expect(() => parseReference(ref)).toThrow(why);
  });

  it('qualifies Docker Hub short names and formats with :latest', () => {
    expect(formatReference(qualify(parseReference('busybox')))).toBe('docker.io/library/busybox:latest');
    expect(formatReference(qualify(parseReference('me/app:1')))).toBe('docker.io/me/app:1');
    expect(localImageName('mine')).toBe('localhost/mine:latest');
    expect(archiveImageName('busybox:1')).toBe('docker.io/library/busybox:1');
    expect(archiveImageName('localhost/busybox:latest')).toBe('localhost/busybox:latest');
  });
});

describe('findLocalImage', () => {
  const img = (id: string, names: string[]): ImageRecord => ({
    version: 1, id: `sha256:${id.padEnd(64, '0')}`, names, digest: '', manifestMediaType: '', layerBlobs: [], chainIds: [], created: '', size: 0,
  });
  const images = [img('aaa1', ['docker.io/library/busybox:latest']), img('aaa2', ['localhost/busybox:latest', 'localhost/busybox:1']), img('bbb', ['quay.io/x/tool:2'])];

  it('prefers localhost/ for a short name, matches any registry otherwise', () => {
    expect(findLocalImage(images, 'busybox')?.id).toBe(images[1]!.id);
    expect(findLocalImage(images, 'busybox:1')?.id).toBe(images[1]!.id);
    expect(findLocalImage(images, 'tool:2')?.id).toBe(images[2]!.id);
    expect(findLocalImage(images, 'docker.io/library/busybox')?.id).toBe(images[0]!.id);
    expect(findLocalImage(images, 'tool')).toBeUndefined();
  });

  it('finds by id prefix and refuses an ambiguous one', () => {
    expect(findLocalImage(images, 'bbb')?.id).toBe(images[2]!.id);
    expect(() => findLocalImage(images, 'aaa')).toThrow(/ambiguous/);
  });
});
