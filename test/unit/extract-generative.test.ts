// Generative check of tspod-extract run directly (--own-userns: a user namespace
// of its own for an ordinary user, plain root otherwise): ~2,000 random archives
// from a fixed seed mixing symlinks (relative, absolute, dangling, chained), hard
// links, directories, whiteouts, long names and ".." in names. Invariant: nothing
// outside the layer directory is created, changed or linked (a sentinel tree beside it,
// also named by absolute symlink targets, is compared before and after each archive).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helperPath } from '../../lib/config/paths.js';

const SEED = 0x7a5b0d;
const ARCHIVES = 2000;

/** mulberry32: small, fast, deterministic */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

type Kind = '0' | '1' | '2' | '5';
interface Entry {
  name: string;
  type: Kind;
  link?: string;
  body?: Buffer;
  mode: number;
}

function octal(buf: Buffer, off: number, len: number, v: number) {
  buf.write(v.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
}

function header(name: string, type: string, size: number, link: string, mode: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, 1_600_000_000);
  h.write('        ', 148, 8, 'latin1');
  h.write(type, 156, 1, 'latin1');
  h.write(link, 157, 100, 'utf8');
  h.write('ustar  \0', 257, 8, 'latin1'); // GNU: no prefix field, long names as 'L'/'K' entries
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return h;
}

const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

function tarOf(entries: Entry[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const link = e.link ?? '';
    if (Buffer.byteLength(e.name) > 99) out.push(header('././@LongLink', 'L', Buffer.byteLength(e.name) + 1, '', 0), pad(Buffer.from(e.name + '\0')));
    if (Buffer.byteLength(link) > 99) out.push(header('././@LongLink', 'K', Buffer.byteLength(link) + 1, '', 0), pad(Buffer.from(link + '\0')));
    const body = e.type === '0' ? e.body ?? Buffer.alloc(0) : Buffer.alloc(0);
    out.push(header(e.name.slice(0, 99), e.type, body.length, link.slice(0, 99), e.mode));
    if (body.length) out.push(pad(body));
  }
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

/** Everything under DIR as comparable lines: type, mode, size, inode, links, mtime, content. */
function snapshot(dir: string): string[] {
  const lines: string[] = [];
  const walk = (p: string, rel: string) => {
    const st = lstatSync(p);
    let what = '';
    if (st.isSymbolicLink()) what = `-> ${readlinkSync(p)}`;
    else if (st.isFile()) what = readFileSync(p, 'utf8');
    lines.push(`${rel} ${st.mode.toString(8)} ${st.size} ${st.ino} ${st.nlink} ${st.mtimeMs} ${what}`);
    if (st.isDirectory()) for (const n of readdirSync(p).sort()) walk(join(p, n), `${rel}/${n}`);
  };
  walk(dir, '.');
  return lines;
}

describe('tspod-extract, generative', () => {
  it(`keeps ${ARCHIVES} random hostile archives (seed ${SEED.toString(16)}) inside the layer directory`, () => {
    const base = mkdtempSync(join(tmpdir(), 'tspod-gen-'));
    const sentinel = join(base, 'sentinel');
    mkdirSync(join(sentinel, 'd'), { recursive: true });
    writeFileSync(join(sentinel, 'victim.txt'), 'host file\n');
    writeFileSync(join(sentinel, 'd', '.bashrc'), 'secret\n');
    symlinkSync('d', join(sentinel, 'dl'));
    const layer = join(base, 'layer');
    mkdirSync(layer);
    // The sentinel tree, and what sits beside the layer directory (its parent's mtime
    // changes as the test remakes the layer directory: names are compared there).
    const state = () => [...snapshot(sentinel), `beside: ${readdirSync(base).sort().join(' ')}`];
    const before = state();

    const r = rng(SEED);
    const comps = ['a', 'b', 's', 'h', 'd', 'victim.txt', '.bashrc', 'sentinel', 'x'.repeat(60)] as const;
    const symTargets = [
      '..', '../..', '../sentinel', '../sentinel/d', '../../sentinel/victim.txt', '.', 'a', 'a/b', 's', 'h', 'missing/x',
      '/', '/tmp', base, sentinel, join(sentinel, 'd'), join(sentinel, 'victim.txt'), join(base, 'layer', '..', 'sentinel'),
    ];
    const name = (names: string[]): string => {
      if (names.length && r.next() < 0.4) {
        const prefix = r.pick(names);
        return `${prefix}/${r.pick(comps)}`;
      }
      const depth = 1 + r.int(3);
      const parts = Array.from({ length: depth }, () => (r.next() < 0.01 ? '..' : r.next() < 0.03 ? '.' : r.pick(comps)));
      let n = parts.join('/');
      if (r.next() < 0.01) n = '/' + n;
      if (r.next() < 0.05) n = './' + n;
      return n;
    };
    const outcomes = { ok: 0, refused: 0 };
    const failures: string[] = [];
    for (let i = 0; i < ARCHIVES; i++) {
      const entries: Entry[] = [];
      const names: string[] = [];
      const count = 1 + r.int(7);
      for (let k = 0; k < count; k++) {
        const roll = r.next();
        let e: Entry;
        if (roll < 0.3) e = { name: name(names), type: '2', link: r.next() < 0.3 && names.length ? r.pick(names) : r.pick(symTargets), mode: 0o777 };
        else if (roll < 0.5) {
          const target = r.next() < 0.85 && names.length ? r.pick(names) : r.pick([...symTargets, 's/victim.txt', 's/.bashrc', 'h/d/.bashrc']);
          e = { name: name(names), type: '1', link: target, mode: 0o644 };
        } else if (roll < 0.65) e = { name: name(names), type: '5', mode: r.pick([0o755, 0o700, 0o777, 0o1777]) };
        else if (roll < 0.75) {
          const dir = names.length && r.next() < 0.5 ? `${r.pick(names)}/` : '';
          e = { name: `${dir}${r.pick(['.wh..wh..opq', '.wh.victim.txt', '.wh.s', '.wh.a'])}`, type: '0', mode: 0o644 };
        } else e = { name: name(names), type: '0', body: Buffer.from(`evil ${i}.${k}\n`), mode: r.pick([0o644, 0o4755, 0o600, 0o000]) };
        entries.push(e);
        names.push(e.name.replace(/^\.\//, ''));
      }
      rmSync(layer, { recursive: true, force: true });
      mkdirSync(layer);
      const res = spawnSync(helperPath('tspod-extract'), ['--own-userns', layer], { input: tarOf(entries), encoding: 'utf8' });
      const status = res.stderr.trim().split('\n').pop() ?? '';
      const parsed = /^\{"status":"(ok|refused)"/.exec(status);
      const after = state();
      const describe = () => `archive ${i}: ${entries.map((e) => `${e.type} ${e.name}${e.link !== undefined ? ` -> ${e.link}` : ''}`).join(' | ')}`;
      if (!parsed || (res.status !== 0) !== (parsed[1] === 'refused')) failures.push(`${describe()}: exit ${res.status}, ${res.stderr.trim()}`);
      else outcomes[parsed[1] as 'ok' | 'refused']++;
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        failures.push(`${describe()}: changed outside the layer:\n${after.filter((l) => !before.includes(l)).join('\n')}`);
      }
      if (!lstatSync(layer).isDirectory()) failures.push(`${describe()}: the layer directory was replaced`);
      if (failures.length >= 5) break;
    }
    rmSync(base, { recursive: true, force: true });
    expect(failures).toEqual([]);
    // The mix must exercise both paths: most archives extract, a fair share is refused.
    expect(outcomes.ok).toBeGreaterThan(ARCHIVES / 5);
    expect(outcomes.refused).toBeGreaterThan(ARCHIVES / 10);
  }, 600_000); // a bound for an overloaded machine, not a timing goal: about 14 s of CPU
});
