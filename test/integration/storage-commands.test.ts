// export, system df and system prune, on a store of their own (prune would
// otherwise take other tests' containers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { inject } from 'vitest';
import { root, testEnv, tspod } from './helpers.js';

const base = mkdtempSync(join(tmpdir(), 'tspod-storage-cmds-'));
const env = { ...testEnv(), XDG_DATA_HOME: join(base, 'data'), XDG_RUNTIME_DIR: join(base, 'run') };
const t = (args: string[]) => tspod(args, { env });
const none = ['--network', 'none'];

beforeAll(async () => {
  mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
  expect((await t(['load', '-q', '-i', inject('tspodImages').dockerArchive])).exitCode).toBe(0);
});

afterAll(async () => {
  await t(['system', 'reset', '--force']);
  const { removeAsRoot } = await import(join(root, 'dist/lib/runtime/userns.js'));
  await removeAsRoot([base]);
});

describe('export', () => {
  it('writes the container\'s file system: its changes over the image, deletions gone, owners as the container sees them', async () => {
    const id = (await t(['run', '-d', ...none, 'busybox', 'sh', '-c', 'echo changed > /root/new; rm /etc/group; chown 1234:5678 /root/new; sleep 100'])).stdout;
    await new Promise((r) => setTimeout(r, 500));
    const out = join(base, 'running.tar');
    const r = await t(['export', '-o', out, id]);
    expect(r.exitCode, r.stderr).toBe(0);
    const list = execFileSync('tar', ['-tvf', out, '--numeric-owner'], { encoding: 'utf8' });
    expect(list).toMatch(/-rw-r--r-- 1234\/5678 +8 .* \.\/root\/new/);
    expect(list).toContain('./bin/busybox');
    expect(list).not.toContain('./etc/group');
    expect(list).not.toContain('.wh.');
    expect(execFileSync('tar', ['-xOf', out, './root/new'], { encoding: 'utf8' })).toBe('changed\n');
    await t(['stop', '-t', '0', id]);
    // A stopped container exports to stdout as well.
    const piped = await tspod(['export', id], { env, encoding: 'buffer' });
    expect(piped.exitCode).toBe(0);
    expect(execFileSync('tar', ['-xO', './root/new'], { input: piped.stdout as unknown as Buffer, encoding: 'utf8' })).toBe('changed\n');
    await t(['rm', id]);
  });

  it('an unknown container is an error and leaves no file', async () => {
    const r = await t(['export', '-o', join(base, 'none.tar'), 'no-such-container']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain('no container with name or ID "no-such-container"');
    expect(() => readFileSync(join(base, 'none.tar'))).toThrow();
  });
});

describe('system df and prune', () => {
  it('df counts images, containers and their writable layers; prune removes stopped containers and dangling images, and says what it reclaimed', async () => {
    const running = (await t(['run', '-d', ...none, 'busybox', 'sleep', '100'])).stdout;
    const stopped = (await t(['run', ...none, '--name', 'writer', 'busybox', 'dd', 'if=/dev/zero', 'of=/blob', 'bs=1024', 'count=2048'])).exitCode;
    expect(stopped).toBe(0);
    const df = JSON.parse((await t(['system', 'df', '--format', 'json'])).stdout) as Array<{ Type: string; Total: number; Active: number; Size: number; Reclaimable: number }>;
    const containers = df.find((r) => r.Type === 'Containers')!;
    expect(containers).toMatchObject({ Total: 2, Active: 1 });
    expect(containers.Reclaimable).toBeGreaterThanOrEqual(2048 * 1024);
    expect(df.find((r) => r.Type === 'Images')).toMatchObject({ Total: 1, Active: 1 });
    const table = (await t(['system', 'df'])).stdout.split('\n');
    expect(table[0]).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
    expect(table[2]).toMatch(/^Containers\s+2\s+1\s+[\d.]+MB\s+[\d.]+MB \(\d+%\)$/);

    const refused = await t(['system', 'prune']);
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toContain('--force');
    const prune = await t(['system', 'prune', '-f']);
    expect(prune.exitCode, prune.stderr).toBe(0);
    expect(prune.stdout).toMatch(/^Deleted Containers\n[0-9a-f]{64}\nTotal reclaimed space: [\d.]+MB$/);
    const left = (await t(['ps', '-a', '--format', '{{.ID}}'])).stdout;
    expect(left).toBe(running.slice(0, 12));
    expect((await t(['images', '-q'])).stdout).not.toBe('');
    await t(['rm', '-f', running]);
    // -a: the image no container uses now goes too.
    const all = await t(['system', 'prune', '-a', '-f']);
    expect(all.stdout).toContain('Deleted Images');
    expect((await t(['images', '-q'])).stdout).toBe('');
  });
});
