// The store under stress: a full disk, a lock holder killed with -9, an unreadable record, a
// runtime directory that fails its check, sockets a killed tspod left. What the user sees: exit
// codes, messages, `ps`, and nothing left behind (locks, records, processes, files).
import { afterAll, describe, expect, inject, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { root, testEnv, tspodBin, waitFor } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'tspod-hard-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A store of its own (data and runtime directories under BASE), with the busybox image. */
async function ownStore(base: string) {
  const env = { ...testEnv(), XDG_DATA_HOME: join(base, 'data'), XDG_RUNTIME_DIR: join(base, 'run') };
  for (const d of [env.XDG_DATA_HOME, env.XDG_RUNTIME_DIR]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const run = (args: string[]) => execa(tspodBin, args, { env, reject: false, timeout: 90_000, stdin: 'ignore' });
  const load = await run(['load', '-i', inject('tspodImages').dockerArchive]);
  expect(load.exitCode, load.stderr).toBe(0);
  const data = join(env.XDG_DATA_HOME, 'tspod');
  return { env, run, data };
}

/** One store for the tests that leave it as they found it (loading the image costs seconds). */
let shared: ReturnType<typeof ownStore> | undefined;
function misc() {
  shared ??= ownStore(join(scratch, 'misc'));
  return shared;
}

/** Live processes of this user whose arguments name PATH (a store's container directories). */
function processesNaming(path: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(path)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Old lock directories and half-made containers: nothing of the kind may stay. */
function leftovers(data: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.endsWith('.lock') || n.endsWith('.tmp')) out.push(join(dir, n));
      if (depth < 1 && (n === 'containers' || n === 'layers')) walk(join(dir, n), depth + 1);
    }
  };
  walk(data, 0);
  return out;
}

describe('store hardening: an unreadable container record', () => {
  it('spoils only its own container: ps lists it as an error, rm -f removes it and ends its processes', async () => {
    const s = await ownStore(join(scratch, 'corrupt'));
    const victim = await s.run(['run', '-d', '--name', 'victim', 'busybox', 'sleep', '1000']);
    expect(victim.exitCode, victim.stderr).toBe(0);
    const id = victim.stdout.trim();
    expect((await s.run(['run', '--name', 'bystander', 'busybox', 'true'])).exitCode).toBe(0);
    const dir = join(s.data, 'containers', id);
    expect(processesNaming(dir).length).toBeGreaterThan(0);
    // Both files of its record cut short, as a crash or a full disk may leave them.
    truncateSync(join(dir, 'container.json'), 50);
    if (existsSync(join(dir, 'state.json'))) truncateSync(join(dir, 'state.json'), 50);

    const ps = await s.run(['ps', '-a']);
    expect(ps.exitCode, ps.stderr).toBe(0);
    const row = ps.stdout.split('\n').find((l) => l.startsWith(id.slice(0, 12)))!;
    expect(row).toMatch(new RegExp(`Error: unreadable record ${dir}/(state|container)\\.json`));
    expect(ps.stdout).toMatch(/bystander/);
    expect(ps.stderr).toMatch(new RegExp(`${id.slice(0, 12)}.*unreadable container record ${dir}/`));
    const json = JSON.parse((await s.run(['ps', '-a', '--format', 'json'])).stdout) as Array<{ Id: string; State: string }>;
    expect(json.find((c) => c.Id === id)?.State).toBe('error');

    // Every other command goes on working.
    const other = await s.run(['run', '--rm', 'busybox', 'echo', 'still fine']);
    expect(other.exitCode, other.stderr).toBe(0);
    expect(other.stdout).toBe('still fine');
    expect((await s.run(['inspect', 'bystander'])).exitCode).toBe(0);
    expect((await s.run(['rm', '-f', 'bystander'])).exitCode).toBe(0);

    const rm = await s.run(['rm', '-f', id.slice(0, 12)]);
    expect(rm.exitCode, rm.stderr).toBe(0);
    expect(rm.stdout.trim()).toBe(id.slice(0, 12)); // podman prints back what it was given
    expect(await waitFor(() => processesNaming(dir).length === 0)).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect((await s.run(['ps', '-a', '-q'])).stdout).toBe('');
  });

  it('does not stop system reset -f, which ends the processes of every container of the store', async () => {
    const s = await ownStore(join(scratch, 'reset'));
    const a = await s.run(['run', '-d', 'busybox', 'sleep', '1000']);
    const b = await s.run(['run', '-d', 'busybox', 'sleep', '1000']);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    truncateSync(join(s.data, 'containers', a.stdout.trim(), 'container.json'), 50);
    // The other one's record is gone altogether: only /proc still tells its processes.
    rmSync(join(s.data, 'containers', b.stdout.trim(), 'container.json'));
    const reset = await s.run(['system', 'reset', '-f']);
    expect(reset.exitCode, reset.stderr).toBe(0);
    expect(await waitFor(() => processesNaming(join(s.data, 'containers')).length === 0)).toBe(true);
    expect(existsSync(join(s.data, 'containers'))).toBe(false);
  });
});

describe('store hardening: locks', () => {
  it('a lock holder killed with -9 leaves no lock: the waiting command goes on at once', async () => {
    const s = await misc();
    // A process holding the store's lock (as any tspod command does while it changes records).
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      const { acquireLock } = await import(${JSON.stringify(join(root, 'dist/lib/storage/lock.js'))});
      acquireLock({ root: ${JSON.stringify(s.data)}, name: 'store' });
      console.log('locked');
      setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => holder.stdout!.once('data', () => res()));
    const waiting = s.run(['run', '--rm', '--name', 'waiter', 'busybox', 'echo', 'ran']);
    let finished = false;
    void waiting.then(() => (finished = true));
    await new Promise((r) => setTimeout(r, 1500));
    expect(finished).toBe(false); // it waits for the lock...
    holder.kill('SIGKILL');
    const r = await waiting; // ...which the kernel frees with its holder
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('ran');
    expect(leftovers(s.data)).toEqual([]);
  });

  it('a lock directory an earlier tspod left with an empty pid file is removed, not waited for', async () => {
    const s = await misc();
    mkdirSync(join(s.data, 'store.lock'));
    writeFileSync(join(s.data, 'store.lock', 'pid'), ''); // the pid write failed: a full disk
    const r = await s.run(['run', '--rm', 'busybox', 'true']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(join(s.data, 'store.lock'))).toBe(false);
  });
});

describe('store hardening: leftovers', () => {
  it('a run --rm that fails its runtime-directory check leaves no Created record', async () => {
    const s = await misc();
    mkdirSync(join(s.env.XDG_RUNTIME_DIR, 'tspod'), { recursive: true });
    chmodSync(join(s.env.XDG_RUNTIME_DIR, 'tspod'), 0o755);
    const r = await s.run(['run', '--rm', 'busybox', 'true']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/runtime directory .* is not a private directory/);
    chmodSync(join(s.env.XDG_RUNTIME_DIR, 'tspod'), 0o700);
    expect((await s.run(['ps', '-a', '-q'])).stdout).toBe('');
    expect(readdirSync(join(s.data, 'containers')).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('sockets a killed tspod left in the runtime directory go at the next command, live ones stay', async () => {
    const s = await misc();
    const rt = join(s.env.XDG_RUNTIME_DIR, 'tspod');
    mkdirSync(rt, { recursive: true, mode: 0o700 });
    const listen = (name: string) => spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(join(rt, name))}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const up = (p: ReturnType<typeof listen>) => new Promise<void>((res) => p.stdout!.once('data', () => res()));
    const dead = [listen('sync-0123456789ab.sock'), listen('slirp-0123456789abcdef.sock')];
    const live = listen('sync-aaaaaaaaaaaa.sock');
    await Promise.all([...dead, live].map(up));
    for (const p of dead) p.kill('SIGKILL'); // as kill -9 during `run -d` leaves them
    await Promise.all(dead.map((p) => new Promise((r) => p.once('exit', r))));
    const sockets = () => readdirSync(rt).filter((n) => /^(sync|slirp)-/.test(n)).sort();
    expect(sockets()).toEqual(['slirp-0123456789abcdef.sock', 'sync-0123456789ab.sock', 'sync-aaaaaaaaaaaa.sock']);
    expect((await s.run(['ps'])).exitCode).toBe(0);
    expect(sockets()).toEqual(['sync-aaaaaaaaaaaa.sock']);
    live.kill('SIGKILL');
  });

  it('a failed import leaves no blob; rmi leaves no config or manifest blob', async () => {
    const s = await misc();
    const blobs = () => readdirSync(join(s.data, 'blobs', 'sha256')).sort();
    const before = blobs();
    // A tarball whose layer cannot be extracted (a path outside the layer).
    const { rawTar } = await import('./fixtures.js');
    const bad = join(scratch, 'bad.tar');
    writeFileSync(bad, rawTar([{ path: '../escape', body: Buffer.from('x') }]));
    const imp = await s.run(['import', bad, 'localhost/bad:latest']);
    expect(imp.exitCode).not.toBe(0);
    expect(blobs()).toEqual(before);
    const ok = join(scratch, 'ok.tar');
    writeFileSync(ok, rawTar([{ path: 'hello', body: Buffer.from('hi') }]));
    expect((await s.run(['import', ok, 'localhost/good:latest'])).exitCode).toBe(0);
    expect(blobs().length).toBe(before.length + 3); // layer, config, manifest
    expect((await s.run(['rmi', 'localhost/good:latest'])).exitCode).toBe(0);
    expect(blobs()).toEqual(before);
  });
});

const smallFs = process.env.TSPOD_TEST_SMALLFS;
describe('store hardening: a full disk', () => {
  it.skipIf(!smallFs)('fails a run with a clear ENOSPC message, leaves no lock or record, and every command works once space is freed', async () => {
    const s = await ownStore(join(smallFs!, `full-${process.pid}`));
    try {
      const fill = await s.run(['run', '--name', 'filler', 'busybox', 'sh', '-c', 'head -c 200000000 /dev/zero > /fill']);
      expect(fill.exitCode).not.toBe(0);
      const r = await s.run(['run', '--rm', 'busybox', 'true']);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toMatch(/no space left on device .*free some space/);
      expect(leftovers(s.data)).toEqual([]);
      const ps = await s.run(['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
      expect(ps.exitCode, ps.stderr).toBe(0);
      expect(ps.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0])).toEqual(['filler']);
      // Space freed: everything works at once.
      const rm = await s.run(['rm', '-f', 'filler']);
      expect(rm.exitCode, rm.stderr).toBe(0);
      const again = await s.run(['run', '--rm', 'busybox', 'echo', 'works']);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stdout).toBe('works');
      expect((await s.run(['images', '-q'])).exitCode).toBe(0);
      const reset = await s.run(['system', 'reset', '-f']);
      expect(reset.exitCode, reset.stderr).toBe(0);
    } finally {
      await s.run(['system', 'reset', '-f']);
      rmSync(join(smallFs!, `full-${process.pid}`), { recursive: true, force: true });
    }
  });
  if (!smallFs) it('is tested only where scripts/test.sh mounted a small file system (TSPOD_TEST_SMALLFS): skipped here', () => undefined);
});
