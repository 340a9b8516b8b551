// Writing an image out (save, commit) from the layer blobs the store holds (image/layer-blobs.ts):
// the record's blob, else another stored blob of the same layer, else a clear error, never ENOENT.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { Header, x as untar } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../lib/storage/store.js';
import type { ImageRecord } from '../../lib/storage/images.js';
import { layerBlobs, manifestOf } from '../../lib/image/layer-blobs.js';
import { saveImages } from '../../lib/image/save.js';
import { commitImage } from '../../lib/image/commit.js';
import { TspodError } from '../../lib/util/errors.js';

const base = mkdtempSync(join(tmpdir(), 'tspod-layer-blobs-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function layerTar(name: string, body: string): Buffer {
  const h = Buffer.alloc(512);
  new Header({ path: name, type: 'File', size: body.length, mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) }).encode(h, 0);
  const data = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  data.write(body);
  return Buffer.concat([h, data, Buffer.alloc(1024)]);
}

/** A store holding one "pulled" image: a gzip layer blob, its config and registry manifest. */
function pulledImage(dirName: string) {
  const root = join(base, dirName);
  const store = new Store({ extractLayer: async (_b, dest) => void mkdirSync(dest, { recursive: true }), remove: async (paths) => paths.forEach((p) => rmSync(p, { recursive: true, force: true })) }, root);
  const plain = layerTar('hello.txt', 'hello\n');
  const gz = gzipSync(plain);
  const diffId = sha(plain);
  const gzDigest = store.blobs.putBytes(gz);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [diffId] } }));
  const id = store.blobs.putBytes(config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: id, size: config.length }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: gzDigest, size: gz.length }] }));
  const digest = store.blobs.putBytes(manifest);
  const img: ImageRecord = { version: 1, id, names: ['example.com/pulled:1'], digest, manifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json', layerBlobs: [gzDigest], chainIds: [diffId], created: '2024-01-01T00:00:00Z', size: gz.length };
  store.images.save(img);
  return { store, img, plain, gzDigest, diffId, digest };
}

async function dockerArchiveLayer(store: Store, img: ImageRecord, out: string): Promise<Buffer> {
  await saveImages(store, [{ img, names: img.names }], 'docker-archive', join(out, 'a.tar'));
  mkdirSync(join(out, 'x'));
  await untar({ file: join(out, 'a.tar'), cwd: join(out, 'x') });
  const m = JSON.parse(readFileSync(join(out, 'x', 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>;
  return readFileSync(join(out, 'x', m[0]!.Layers[0]!));
}

describe('layer blobs of an image', () => {
  it('the record\'s blob when the store has it; the stored manifest serves as it is', async () => {
    const { store, img, plain, gzDigest, digest } = pulledImage('present');
    const blobs = layerBlobs(store, img);
    expect(blobs.map((b) => [b.digest, b.compression])).toEqual([[gzDigest, 'gzip']]);
    const m = manifestOf(store, img, blobs);
    expect(m.stored).toBe(true);
    expect(sha(m.bytes)).toBe(digest);
    const out = mkdtempSync(join(base, 'out-'));
    expect((await dockerArchiveLayer(store, img, out)).equals(plain)).toBe(true);
  });

  it('the record\'s blob gone, the plain tar under the diff id serves: save writes it, a new manifest names it, commit builds on it', async () => {
    const { store, img, plain, gzDigest, diffId } = pulledImage('plain-only');
    store.blobs.remove(gzDigest);
    store.blobs.putBytes(plain);
    const blobs = layerBlobs(store, img);
    expect(blobs.map((b) => [b.digest, b.compression])).toEqual([[diffId, 'none']]);
    const m = manifestOf(store, img, blobs);
    expect(m.stored).toBe(false);
    expect(m.manifest.layers).toEqual([{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffId, size: plain.length }]);
    const out = mkdtempSync(join(base, 'out-'));
    expect((await dockerArchiveLayer(store, img, out)).equals(plain)).toBe(true);
    await saveImages(store, [{ img, names: [] }], 'oci-dir', join(out, 'oci'));
    const index = JSON.parse(readFileSync(join(out, 'oci', 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const written = JSON.parse(readFileSync(join(out, 'oci', 'blobs', 'sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: Array<{ digest: string }> };
    expect(written.layers.map((l) => l.digest)).toEqual([diffId]);
    expect(existsSync(join(out, 'oci', 'blobs', 'sha256', diffId.slice(7)))).toBe(true);

    const top = join(out, 'top.tar');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(top, layerTar('top.txt', 'top\n'));
    const committed = await commitImage(store, img, top, { changes: [], names: ['localhost/committed:latest'], createdBy: 'test' });
    expect(committed.layerBlobs[0]).toBe(diffId);
    expect(committed.layerBlobs.every((d) => store.blobs.has(d))).toBe(true);
    const cm = JSON.parse(readFileSync(store.blobs.path(committed.digest), 'utf8')) as { layers: Array<{ digest: string; mediaType: string }> };
    expect(cm.layers[0]).toMatchObject({ digest: diffId, mediaType: 'application/vnd.oci.image.layer.v1.tar' });
  });

  it('docker-dir: version, a v2s2 manifest and the blobs by hex digest; plain layers, or gzip with compress; a directory of other files is never written into', async () => {
    const { store, img, plain, gzDigest, diffId } = pulledImage('docker-dir');
    const out = mkdtempSync(join(base, 'out-'));
    await saveImages(store, [{ img, names: img.names }], 'docker-dir', join(out, 'd'));
    expect(readFileSync(join(out, 'd', 'version'), 'utf8')).toBe('Directory Transport Version: 1.1\n');
    const m = JSON.parse(readFileSync(join(out, 'd', 'manifest.json'), 'utf8')) as { mediaType: string; config: { digest: string }; layers: Array<{ mediaType: string; digest: string }> };
    expect(m.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(m.config.digest).toBe(img.id);
    expect(m.layers).toEqual([{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: diffId, size: plain.length }]);
    expect(readFileSync(join(out, 'd', diffId.slice(7))).equals(plain)).toBe(true);
    // again into the same image directory: rewritten; with compress the stored gzip blob as it is
    await saveImages(store, [{ img, names: img.names }], 'docker-dir', join(out, 'd'), { compress: true });
    const gm = JSON.parse(readFileSync(join(out, 'd', 'manifest.json'), 'utf8')) as { layers: Array<{ mediaType: string; digest: string }> };
    expect(gm.layers.map((l) => [l.mediaType, l.digest])).toEqual([['application/vnd.docker.image.rootfs.diff.tar.gzip', gzDigest]]);
    expect(existsSync(join(out, 'd', diffId.slice(7)))).toBe(false);
    const { writeFileSync } = await import('node:fs');
    mkdirSync(join(out, 'mine'));
    writeFileSync(join(out, 'mine', 'notes.txt'), 'keep');
    await expect(saveImages(store, [{ img, names: [] }], 'docker-dir', join(out, 'mine'))).rejects.toThrow(`initializing destination dir:${join(out, 'mine')}: not a containers image directory, don't want to overwrite important data`);
    expect(readFileSync(join(out, 'mine', 'notes.txt'), 'utf8')).toBe('keep');
    await expect(saveImages(store, [{ img, names: [] }], 'docker-archive', join(out, 'x.tar'), { compress: true })).rejects.toThrow('--compress can only be set when --format is \'docker-dir\'');
  });

  it('no blob of the layer left: an error naming the image, the layer and the fix (125), not ENOENT', async () => {
    const { store, img, gzDigest } = pulledImage('gone');
    store.blobs.remove(gzDigest);
    let err: unknown;
    try {
      layerBlobs(store, img);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TspodError);
    expect((err as TspodError).exitCode).toBe(125);
    expect((err as TspodError).message).toMatch(/^image example\.com\/pulled:1 \([0-9a-f]{12}\): the store lacks the blob of its layer 1 of 1 /);
    expect((err as TspodError).message).toContain('pull or load the image again');
    const out = mkdtempSync(join(base, 'out-'));
    await expect(saveImages(store, [{ img, names: img.names }], 'docker-archive', join(out, 'a.tar'))).rejects.toThrow(/the store lacks the blob of its layer 1 of 1/);
    await expect(saveImages(store, [{ img, names: img.names }], 'oci-archive', join(out, 'b.tar'))).rejects.toThrow(TspodError);
  });
});
