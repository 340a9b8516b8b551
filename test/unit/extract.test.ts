// Layer extraction against crafted archives (Node feeding tspod-extract): what
// is refused, what is written, whiteouts, and the hard-link-to-symlink escapes.
import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractLayer, safeEntryPath } from '../../lib/storage/extract.js';
import { rawTar, type RawEntry } from '../integration/fixtures.js';

function layer(entries: RawEntry[]) {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-unit-'));
  const file = join(dir, 'layer.tar');
  writeFileSync(file, rawTar(entries));
  const dest = join(dir, 'root', 'diff');
  mkdirSync(dest, { recursive: true });
  return { dir, file, dest };
}

describe('safeEntryPath', () => {
  it('normalises harmless paths', () => {
    expect(safeEntryPath('./a//b/./c')).toBe('a/b/c');
    expect(safeEntryPath('./')).toBe('');
  });
  it('refuses absolute paths and ..', () => {
    expect(() => safeEntryPath('/etc/passwd')).toThrow(/absolute/);
    expect(() => safeEntryPath('a/../../b')).toThrow(/\.\./);
  });
});

describe('extractLayer', () => {
  it('writes files, directories, symlinks (absolute targets kept) and hard links', async () => {
    const { dest } = layer([
      { path: 'bin/', type: 'Directory' },
      { path: 'bin/busybox', body: 'ELF', mode: 0o755 },
      { path: 'bin/sh', type: 'SymbolicLink', linkpath: '/bin/busybox' },
      { path: 'bin/ls', type: 'Link', linkpath: 'bin/busybox' },
    ]);
    await extractLayer(join(dest, '..', '..', 'layer.tar'), dest);
    expect(readFileSync(join(dest, 'bin/busybox'), 'utf8')).toBe('ELF');
    expect(readlinkSync(join(dest, 'bin/sh'))).toBe('/bin/busybox');
    expect(readFileSync(join(dest, 'bin/ls'), 'utf8')).toBe('ELF');
  });

  it('refuses malformed PAX records instead of reading past them (white space before the length, a NUL in a value)', async () => {
    for (const body of ['\n\n\n\n1 path=zz\n', '12 path=a\0b\n']) {
      const { file, dest } = layer([
        { path: 'PaxHeader', type: 'ExtendedHeader' as RawEntry['type'], body },
        { path: 'file', body: 'x' },
      ]);
      await expect(extractLayer(file, dest), JSON.stringify(body)).rejects.toThrow(/PAX header .*(malformed|NUL)/);
    }
  });

  it('turns whiteouts into 0/0 character devices and writes no .wh. file', async () => {
    const { file, dest } = layer([
      { path: 'etc/', type: 'Directory' },
      { path: 'etc/.wh.motd' },
      { path: '.wh.gone' },
      { path: 'var/', type: 'Directory' },
      { path: 'var/.wh..wh..opq' },
      { path: '.wh..wh..opq' },
    ]);
    await extractLayer(file, dest);
    for (const p of ['etc/motd', 'gone']) {
      const st = lstatSync(join(dest, p));
      expect(st.isCharacterDevice() && st.rdev === 0, p).toBe(true);
    }
    expect(existsSync(join(dest, 'etc/.wh.motd'))).toBe(false);
    expect(existsSync(join(dest, 'var/.wh..wh..opq'))).toBe(false);
    expect(statSync(join(dest, 'var')).isDirectory()).toBe(true);
  });

  it('skips device nodes (a rootless user cannot create them)', async () => {
    const { file, dest } = layer([{ path: 'dev/', type: 'Directory' }, { path: 'dev/null', type: 'CharacterDevice' }]);
    await extractLayer(file, dest);
    expect(existsSync(join(dest, 'dev/null'))).toBe(false);
  });

  it('gives directories a layer implies but does not list mode 0755, even with umask 0', async () => {
    const { file, dest } = layer([{ path: 'usr/bin/tool', body: 'x', mode: 0o755 }]);
    const old = process.umask(0);
    try {
      await extractLayer(file, dest);
    } finally {
      process.umask(old);
    }
    expect(statSync(join(dest, 'usr')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(dest, 'usr/bin')).mode & 0o7777).toBe(0o755);
  });

  it('decompresses zstd layers (magic number, not file name)', async () => {
    const { execFileSync } = await import('node:child_process');
    const { dir, file, dest } = layer([{ path: 'etc/', type: 'Directory' }, { path: 'etc/hello', body: 'from zstd\n' }]);
    const zst = join(dir, 'layer.blob');
    execFileSync('zstd', ['-q', '-o', zst, file]);
    await extractLayer(zst, dest);
    expect(readFileSync(join(dest, 'etc/hello'), 'utf8')).toBe('from zstd\n');
  });

  it('refuses a huge sparse file (GNU sparse entry) before writing it', async () => {
    const { execFileSync } = await import('node:child_process');
    const { dir, dest } = layer([]);
    mkdirSync(join(dir, 'src'));
    execFileSync('truncate', ['-s', '20G', join(dir, 'src', 'hole')]);
    execFileSync('tar', ['-S', '-C', join(dir, 'src'), '-cf', join(dir, 'sparse.tar'), 'hole']);
    await expect(extractLayer(join(dir, 'sparse.tar'), dest)).rejects.toThrow(/entry "hole" has type SparseFile, which tspod does not extract/);
    expect(existsSync(join(dest, 'hole'))).toBe(false);
  });

  it('takes an empty layer (only end-of-archive blocks, plain or gzipped)', async () => {
    const { gzipSync } = await import('node:zlib');
    for (const bytes of [Buffer.alloc(1024), gzipSync(Buffer.alloc(1024)), Buffer.alloc(0)]) {
      const { dir, dest } = layer([]);
      writeFileSync(join(dir, 'empty.tar'), bytes);
      await extractLayer(join(dir, 'empty.tar'), dest);
    }
  });

  it('stops a tar bomb at the entry and byte limits', async () => {
    const many = layer(Array.from({ length: 50 }, (_, i) => ({ path: `f${i}`, body: 'x' })));
    await expect(extractLayer(many.file, many.dest, { maxEntries: 20, maxBytes: 1e9 })).rejects.toThrow(/more than 20 entries/);
    const big = layer([{ path: 'a', body: 'x'.repeat(4000) }, { path: 'b', body: 'y'.repeat(4000) }]);
    await expect(extractLayer(big.file, big.dest, { maxEntries: 100, maxBytes: 5000 })).rejects.toThrow(/more than 5000 bytes/);
    expect(existsSync(join(big.dest, 'b'))).toBe(false);
  });

  it.each([
    ['..', [{ path: '../evil', body: 'x' }], /contains "\.\."/, '../evil'],
    ['absolute', [{ path: '/evil', body: 'x' }], /absolute path/, '../evil'],
    ['through a symlink', [{ path: 'up', type: 'SymbolicLink' as const, linkpath: '..' }, { path: 'up/evil', body: 'x' }], /through the symlink "up"/, '../evil'],
    ['hard link to ..', [{ path: 'h', type: 'Link' as const, linkpath: '../outside' }], /hard link target/, '../h'],
    ['a write through a hard link to a symlink', [
      { path: 's', type: 'SymbolicLink' as const, linkpath: '..' }, { path: 'h', type: 'Link' as const, linkpath: 's' }, { path: 'h/evil', body: 'x' },
    ], /through the symlink "h"/, '../evil'],
    ['a hard link through a symlink', [
      { path: 's', type: 'SymbolicLink' as const, linkpath: '..' }, { path: 'stolen', type: 'Link' as const, linkpath: 's/outside' },
    ], /hard link target of "stolen" goes through the symlink "s"/, '../stolen'],
  ])('refuses %s and writes nothing outside the layer', async (_name, entries, message, outside) => {
    const { file, dest } = layer(entries as RawEntry[]);
    writeFileSync(join(dest, '..', 'outside'), 'host file');
    await expect(extractLayer(file, dest)).rejects.toThrow(message);
    expect(existsSync(join(dest, outside))).toBe(false);
    expect(existsSync(join(dest, '..', 'evil'))).toBe(false);
    expect(readFileSync(join(dest, '..', 'outside'), 'utf8')).toBe('host file');
  });
});

describe('extractLayer, by construction', () => {
  it('links a symlink itself when a hard link points to one, and stores absolute targets unresolved', async () => {
    const { dir, file, dest } = layer([
      { path: 's', type: 'SymbolicLink', linkpath: '/etc' },
      { path: 'h', type: 'Link', linkpath: 's' },
    ]);
    await extractLayer(file, dest);
    expect(lstatSync(join(dest, 'h')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dest, 'h'))).toBe('/etc');
    expect(lstatSync(join(dest, 'h')).ino).toBe(lstatSync(join(dest, 's')).ino);
    expect(existsSync(join(dir, 'root', 'h'))).toBe(false);
  });

  it('reports a corrupt gzip stream as such, not as a cut-off archive', async () => {
    const { gzipSync } = await import('node:zlib');
    const { dir, dest } = layer([]);
    const { randomBytes } = await import('node:crypto');
    const gz = gzipSync(rawTar([{ path: 'a', body: randomBytes(100_000) }]));
    writeFileSync(join(dir, 'bad.tar.gz'), gz.subarray(0, gz.length >> 1));
    await expect(extractLayer(join(dir, 'bad.tar.gz'), dest)).rejects.toThrow(/the layer cannot be read/);
  });

  it('checks the diff id over every byte fed, trailing bytes included', async () => {
    const { createHash } = await import('node:crypto');
    const { dir, file, dest } = layer([{ path: 'a', body: 'a' }]);
    const bytes = Buffer.concat([readFileSync(file), Buffer.alloc(4096)]);
    writeFileSync(join(dir, 'padded.tar'), bytes);
    const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    await extractLayer(join(dir, 'padded.tar'), dest, undefined, digest);
    await expect(extractLayer(join(dir, 'padded.tar'), dest, undefined, 'sha256:' + '0'.repeat(64))).rejects.toThrow(/does not match the image config/);
  });

  it.each(['pax', 'gnu', 'ustar'])('reads %s archives of GNU tar: long names, link targets, modes and mtimes kept', async (format) => {
    const { execFileSync } = await import('node:child_process');
    const { symlinkSync, utimesSync, chmodSync } = await import('node:fs');
    const { dir, dest } = layer([]);
    const src = join(dir, 'src');
    const deep = join('d'.repeat(60), 'e'.repeat(60));
    mkdirSync(join(src, deep), { recursive: true });
    writeFileSync(join(src, deep, 'f'.repeat(50)), 'long\n');
    chmodSync(join(src, deep, 'f'.repeat(50)), 0o640);
    // ustar has no long link targets (GNU and PAX have)
    const target = format === 'ustar' ? '/bin/busybox' : `/${deep}/${'f'.repeat(50)}`;
    symlinkSync(target, join(src, 'abs'));
    utimesSync(join(src, deep, 'f'.repeat(50)), 1_000_000, 1_234_567);
    utimesSync(join(src, deep), 1_000_000, 1_111_111);
    const names = format === 'ustar' ? ['abs', 'd'.repeat(60)] : ['.'];
    execFileSync('tar', [`--format=${format}`, '-C', src, '-cf', join(dir, 'fmt.tar'), ...names]);
    await extractLayer(join(dir, 'fmt.tar'), dest);
    const file = join(dest, deep, 'f'.repeat(50));
    expect(readFileSync(file, 'utf8')).toBe('long\n');
    expect(statSync(file).mode & 0o7777).toBe(0o640);
    expect(Math.floor(statSync(file).mtimeMs / 1000)).toBe(1_234_567);
    expect(Math.floor(statSync(join(dest, deep)).mtimeMs / 1000)).toBe(1_111_111);
    expect(readlinkSync(join(dest, 'abs'))).toBe(target);
  });

  it('keeps setuid and setgid bits after giving files their owners', async () => {
    const { dest, file } = layer([{ path: 'suid', body: 'x', mode: 0o4755 }, { path: 'sgid/', type: 'Directory', mode: 0o2775 }]);
    await extractLayer(file, dest);
    expect(statSync(join(dest, 'suid')).mode & 0o7777).toBe(0o4755);
    expect(statSync(join(dest, 'sgid')).mode & 0o7777).toBe(0o2775);
  });

  it('replaces an earlier entry of the same name without writing through it', async () => {
    const { dir, file, dest } = layer([
      { path: 'a', body: 'first' },
      { path: 'b', type: 'Link', linkpath: 'a' },
      { path: 'a', body: 'second' },
      { path: 'l', type: 'SymbolicLink', linkpath: '../outside' },
      { path: 'l', body: 'plain file now' },
    ]);
    writeFileSync(join(dir, 'root', 'outside'), 'host file');
    await extractLayer(file, dest);
    expect(readFileSync(join(dest, 'a'), 'utf8')).toBe('second');
    expect(readFileSync(join(dest, 'b'), 'utf8')).toBe('first');
    expect(lstatSync(join(dest, 'l')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'root', 'outside'), 'utf8')).toBe('host file');
  });
});
