// The mode a layer gives a container's / (its tar's "./" entry), read from a blob's head for
// layers extracted before tspod recorded it (storage/layers.ts tarRootMode).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { describe, expect, it } from 'vitest';
import { tarRootMode } from '../../lib/storage/layers.js';

function tarOf(entries: Array<{ path: string; type: 'Directory' | 'File'; mode: number }>): Buffer {
  const blocks = entries.map((e) => {
    const b = Buffer.alloc(512);
    new Header({ path: e.path, type: e.type, size: 0, mode: e.mode, uid: 0, gid: 0, mtime: new Date(0) }).encode(b, 0);
    return b;
  });
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

const dir = mkdtempSync(join(tmpdir(), 'tspod-rootmode-'));
const blob = (name: string, data: Buffer) => {
  writeFileSync(join(dir, name), data);
  return join(dir, name);
};

describe('tarRootMode', () => {
  it('reads "./" from a plain or gzip blob; undefined when the first entry is another', () => {
    const withRoot = tarOf([{ path: './', type: 'Directory', mode: 0o555 }, { path: './etc/', type: 'Directory', mode: 0o755 }]);
    expect(tarRootMode(blob('plain', withRoot))).toBe(0o555);
    expect(tarRootMode(blob('gz', gzipSync(withRoot)))).toBe(0o555);
    expect(tarRootMode(blob('noroot', gzipSync(tarOf([{ path: 'etc/', type: 'Directory', mode: 0o555 }]))))).toBeUndefined();
    expect(tarRootMode(blob('file', tarOf([{ path: './', type: 'File', mode: 0o555 }])))).toBeUndefined();
  });
});
