// zstd layers (application/vnd.oci.image.layer.v1.tar+zstd): Node 20's zlib has
// no zstd, so a stream wrapper over fzstd's streaming decompressor.
import { Transform } from 'node:stream';
import { Decompress } from 'fzstd';

export const zstdMagic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

export function createZstdDecompress(): Transform {
  let out: Transform;
  const d = new Decompress((chunk) => {
    out.push(Buffer.from(chunk)); // a copy: the decompressor reuses its window
  });
  out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        d.push(chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb) {
      try {
        d.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  return out;
}
