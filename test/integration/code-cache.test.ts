// The V8 code cache of the CLI's bundles (lib/cli/boot.ts): kept only in the user's private
// runtime directory, never trusted blindly, never in the way. Budget: about 10 s.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { tspod } from './helpers.js';

const cacheDir = () => join(inject('tspodEnv').XDG_RUNTIME_DIR!, 'tspod', 'codecache');

describe('the code cache', () => {
  it('is written to the private runtime directory, and a damaged cache is replaced, not obeyed', async () => {
    const first = await tspod(['ps', '-a', '--format', '{{.ID}}']);
    expect(first.exitCode).toBe(0);
    const files = readdirSync(cacheDir());
    expect(files.some((f) => f.startsWith('tspod.cjs.'))).toBe(true);
    expect(files.some((f) => f.startsWith('cmd-ps.cjs.'))).toBe(true);
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    for (const f of files) expect(statSync(join(cacheDir(), f)).mode & 0o077).toBe(0);
    // Bytes changed inside the cache, its length kept (V8 20 would take it and crash): the
    // checksum turns it away; the command runs the same and writes it anew.
    for (const f of files) {
      const buf = readFileSync(join(cacheDir(), f));
      for (const at of [0.3, 0.5, 0.7]) buf.writeUInt32LE(0xdeadbeef, Math.floor(buf.length * at));
      writeFileSync(join(cacheDir(), f), buf);
    }
    const flipped = await tspod(['ps', '-a', '--format', '{{.ID}}']);
    expect(flipped.exitCode).toBe(0);
    expect(flipped.stdout).toBe(first.stdout);
    // Garbage where the cache was: the same.
    for (const f of readdirSync(cacheDir())) writeFileSync(join(cacheDir(), f), Buffer.alloc(4096, 0x5a));
    const again = await tspod(['ps', '-a', '--format', '{{.ID}}']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    const sizes = readdirSync(cacheDir()).filter((f) => f.startsWith('cmd-ps.cjs.')).map((f) => statSync(join(cacheDir(), f)).size);
    expect(sizes.some((s) => s !== 4096)).toBe(true);
  });

  it('is not written when the runtime directory is not private, and the commands still work', async () => {
    const base = mkdtempSync(join(tmpdir(), 'tspod-cc-'));
    const runtime = join(base, 'tspod');
    const env = { ...process.env, ...inject('tspodEnv'), XDG_RUNTIME_DIR: base };
    // A private runtime directory (as tspod makes it: mode 0700) gets a cache...
    mkdirSync(runtime, { mode: 0o700 });
    // (--version runs too little of the entry to be worth a cache: none is written for it)
    expect((await tspod(['--version'], { env })).exitCode).toBe(0);
    expect(existsSync(join(runtime, 'codecache'))).toBe(false);
    expect((await tspod(['ps', '-a'], { env })).exitCode).toBe(0);
    expect(readdirSync(join(runtime, 'codecache')).length).toBeGreaterThan(0);
    // ...opened to others, the cache is left alone: nothing new is written there, and the
    // command works as without a cache.
    chmodSync(runtime, 0o755);
    const before = readdirSync(join(runtime, 'codecache')).sort();
    const r = await tspod(['images', '--format', '{{.ID}}'], { env });
    expect(readdirSync(join(runtime, 'codecache')).sort()).toEqual(before);
    expect([r.exitCode, r.stdout]).toEqual([0, (await tspod(['images', '--format', '{{.ID}}'])).stdout]);
    chmodSync(runtime, 0o700);
    // The same when only the cache's own directory is open to others.
    chmodSync(join(runtime, 'codecache'), 0o777);
    const r2 = await tspod(['volume', 'ls'], { env });
    expect(r2.exitCode).toBe(0);
    expect(readdirSync(join(runtime, 'codecache')).sort()).toEqual(before);
    rmSync(base, { recursive: true, force: true });
  });
});
