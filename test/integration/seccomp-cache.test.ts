// The compiled seccomp filter is cached in the store, keyed by all it was compiled from, and
// checked before use: a start with a known filter skips libseccomp. (Budget: about 15 s.)
import { readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { tspod } from './helpers.js';

const dir = () => join(inject('tspodEnv').XDG_DATA_HOME!, 'tspod', 'seccomp-bpf');
const entries = () => readdirSync(dir()).filter((n) => n.endsWith('.bpf'));
const confined = ['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'grep ^Seccomp: /proc/self/status; unshare -U true 2>/dev/null; echo unshare=$?'];

describe('seccomp filter cache', () => {
  it('compiles once, reuses the file untouched, and replaces one that is damaged or keyed for another kernel', async () => {
    // Earlier files' containers (other capabilities, other profiles) left filters of their own.
    rmSync(dir(), { recursive: true, force: true });
    const first = await tspod(confined);
    expect(first.stdout).toMatch(/Seccomp:\s+2\nunshare=1/);
    const [name] = entries();
    expect(name).toMatch(/^[0-9a-f]{16}\.bpf$/);
    const path = join(dir(), name!);
    expect(readFileSync(path, 'latin1')).toContain(`\nkernel ${release()}\n`);
    const inode = statSync(path).ino;
    // Used as it is: neither rewritten nor joined by another file (exec takes the same filter).
    expect((await tspod(confined)).stdout).toMatch(/Seccomp:\s+2\nunshare=1/);
    expect(statSync(path).ino).toBe(inode);
    const d = await tspod(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60']);
    expect((await tspod(['exec', d.stdout.trim(), 'grep', '^Seccomp:', '/proc/self/status'])).stdout).toMatch(/Seccomp:\s+2/);
    await tspod(['rm', '-f', '-t', '0', d.stdout.trim()]);
    expect(entries()).toEqual([name]);

    // Cut short: refused, compiled again, replaced; the container is confined all the same.
    truncateSync(path, 100);
    expect((await tspod(confined)).stdout).toMatch(/Seccomp:\s+2\nunshare=1/);
    expect(statSync(path).size).toBeGreaterThan(1000);
    expect(statSync(path).ino).not.toBe(inode);

    // One instruction changed: its checksum fails, so it is compiled again and replaced.
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(path, bytes);
    const flipped = statSync(path).ino;
    expect((await tspod(confined)).stdout).toMatch(/Seccomp:\s+2\nunshare=1/);
    expect(statSync(path).ino).not.toBe(flipped);

    // Whole, but compiled for another kernel: its key is not ours, so it is not loaded.
    const text = readFileSync(path, 'latin1').replace(`\nkernel ${release()}\n`, `\nkernel ${'9'.repeat(release().length)}\n`);
    writeFileSync(path, Buffer.from(text, 'latin1'));
    const foreign = statSync(path).ino;
    expect((await tspod(confined)).stdout).toMatch(/Seccomp:\s+2\nunshare=1/);
    expect(statSync(path).ino).not.toBe(foreign);
    expect(readFileSync(path, 'latin1')).toContain(`\nkernel ${release()}\n`);
  });

  it('is not used by unconfined containers', async () => {
    const before = entries();
    const r = await tspod(['run', '--rm', '--network', 'none', '--security-opt', 'seccomp=unconfined', 'busybox', 'grep', '^Seccomp:', '/proc/self/status']);
    expect(r.stdout).toMatch(/Seccomp:\s+0/);
    expect(entries()).toEqual(before);
  });
});
