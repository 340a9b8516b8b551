// One user namespace per user (the pause process, runtime/pause.ts) and the --userns family.
// Budget: about 70 s.
import { chmodSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { tspod, userProcesses, waitFor } from './helpers.js';

const none = ['--network', 'none'];
const pauseFile = () => join(inject('tspodEnv').XDG_RUNTIME_DIR!, 'tspod', 'pause.pid');

/** The holder the pid file names: pid and start time, or undefined. */
function holder(): { pid: number; start: string } | undefined {
  try {
    const [pid, start] = readFileSync(pauseFile(), 'utf8').trim().split(' ');
    return { pid: Number(pid), start: start! };
  } catch {
    return undefined;
  }
}

/** This store's holders: other test files' stores (their own runtime directories) may have a
 * holder still lingering, which names another pid file in its environment. */
const holders = () => userProcesses(['tspod-pause']).filter((p) => {
  try {
    return readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0').includes(`TSPOD_PAUSE_PIDFILE=${pauseFile()}`);
  } catch {
    return false; // gone
  }
});

beforeAll(async () => {
  await tspod(['rm', '-a', '-f']);
});

afterAll(async () => {
  await tspod(['rm', '-a', '-f']);
});

describe('the pause process: one user namespace per user', () => {
  it('containers and exec share one namespace, mapped once, and the holder goes with the last container', async () => {
    const bg = await tspod(['run', '-d', ...none, '--name', 'ns-a', 'busybox', 'sleep', '300']);
    expect(bg.exitCode).toBe(0);
    const h = holder();
    expect(h).toBeDefined();
    expect(holders().map((p) => p.pid)).toEqual([h!.pid]);
    const ns = readlinkSync(`/proc/${h!.pid}/ns/user`);

    const b = await tspod(['run', '-d', ...none, '--name', 'ns-b', 'busybox', 'sleep', '300']);
    expect(b.exitCode).toBe(0);
    const inA = await tspod(['exec', 'ns-a', 'readlink', '/proc/self/ns/user']);
    const inB = await tspod(['exec', 'ns-b', 'sh', '-c', 'readlink /proc/self/ns/user; cat /proc/self/uid_map']);
    const once = await tspod(['run', '--rm', ...none, 'busybox', 'readlink', '/proc/self/ns/user']);
    expect(inA.stdout).toBe(ns);
    expect(once.stdout).toBe(ns);
    const [nsB, ...map] = inB.stdout.split('\n');
    expect(nsB).toBe(ns);
    // The user's own uid as 0, the subordinate ranges from 1, as before.
    expect(map[0]!.trim().split(/\s+/)).toEqual(['0', String(process.getuid!()), '1']);
    expect(map[1]!.trim().split(/\s+/)[0]).toBe('1');
    // Same holder all along: the id maps were written once, not per container.
    expect(holder()).toEqual(h);

    expect((await tspod(['rm', '-f', 'ns-a'])).exitCode).toBe(0);
    expect(holder()).toEqual(h); // ns-b still exists
    expect((await tspod(['rm', '-f', 'ns-b'])).exitCode).toBe(0);
    expect(holder()).toBeUndefined();
    expect(await waitFor(() => holders().length === 0)).toBe(true);
  });

  it('a holder killed with SIGKILL is replaced by the next command', async () => {
    expect((await tspod(['create', ...none, '--name', 'ns-keep', 'busybox', 'true'])).exitCode).toBe(0);
    const first = await tspod(['run', '--rm', ...none, 'busybox', 'readlink', '/proc/self/ns/user']);
    expect(first.exitCode).toBe(0);
    const h = holder()!;
    expect(h).toBeDefined();
    process.kill(h.pid, 'SIGKILL');
    expect(await waitFor(() => !holders().some((p) => p.pid === h.pid))).toBe(true);
    const next = await tspod(['run', '--rm', ...none, 'busybox', 'readlink', '/proc/self/ns/user']);
    expect(next.exitCode).toBe(0);
    const h2 = holder()!;
    expect(h2.pid).not.toBe(h.pid);
    expect(next.stdout).toBe(readlinkSync(`/proc/${h2.pid}/ns/user`));
    expect((await tspod(['rm', 'ns-keep'])).exitCode).toBe(0);
    expect(await waitFor(() => holders().length === 0)).toBe(true);
  });

  it('concurrent first commands start one holder; unshare shows the same mapping and leaves none behind', async () => {
    expect((await tspod(['create', ...none, '--name', 'ns-keep2', 'busybox', 'true'])).exitCode).toBe(0);
    const runs = await Promise.all([1, 2, 3].map(() => tspod(['run', '--rm', ...none, 'busybox', 'readlink', '/proc/self/ns/user'])));
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 0]);
    expect(new Set(runs.map((r) => r.stdout)).size).toBe(1);
    expect(holders()).toHaveLength(1);
    const un = await tspod(['unshare', 'sh', '-c', 'readlink /proc/self/ns/user; cat /proc/self/uid_map']);
    expect(un.stdout.split('\n')[0]).toBe(runs[0]!.stdout);
    expect((await tspod(['rm', 'ns-keep2'])).exitCode).toBe(0);
    // With no container, a command that needs the namespace stops its holder when done.
    const alone = await tspod(['unshare', 'cat', '/proc/self/uid_map']);
    expect(alone.stdout.split('\n')[0]!.trim().split(/\s+/)).toEqual(['0', String(process.getuid!()), '1']);
    expect(holder()).toBeUndefined();
    expect(await waitFor(() => holders().length === 0)).toBe(true);
  });

  it('with a linger, an unused holder serves the next run, stays while a container exists, then goes', async () => {
    const env = { ...process.env, ...inject('tspodEnv'), TSPOD_PAUSE_LINGER: '5' };
    const run = () => tspod(['run', '--rm', ...none, 'busybox', 'readlink', '/proc/self/ns/user'], { env });
    const first = await run();
    expect(first.exitCode).toBe(0);
    const h = holder()!;
    expect(h).toBeDefined(); // no container left, but it lingers
    const second = await run();
    expect(second.stdout).toBe(first.stdout);
    expect(holder()).toEqual(h);
    // A container made meanwhile keeps it past the linger.
    expect((await tspod(['create', ...none, '--name', 'ns-linger', 'busybox', 'true'], { env })).exitCode).toBe(0);
    await new Promise((r) => setTimeout(r, 6500)); // past the linger
    expect(holders().map((p) => p.pid)).toEqual([h.pid]);
    expect((await tspod(['rm', 'ns-linger'], { env })).exitCode).toBe(0);
    // Unused again: it removes its pid file after the linger and exits soon after.
    expect(await waitFor(() => holder() === undefined, 15_000)).toBe(true);
    expect(await waitFor(() => holders().length === 0, 10_000)).toBe(true);
    const third = await run();
    expect(third.exitCode).toBe(0);
    expect(holder()!.pid).not.toBe(h.pid);
    expect(await waitFor(() => holders().length === 0, 15_000)).toBe(true);
  });
});

describe('the pause process after an upgrade', () => {
  it('a holder recorded without "linger" (an older tspod\'s, which ignores SIGUSR1) is stopped at once when unused', async () => {
    const env = { ...process.env, ...inject('tspodEnv'), TSPOD_PAUSE_LINGER: '30' };
    expect((await tspod(['run', '--rm', ...none, 'busybox', 'true'], { env })).exitCode).toBe(0);
    const h = holder()!;
    expect(h).toBeDefined(); // lingering
    writeFileSync(pauseFile(), `${h.pid} ${h.start}\n`); // as an older tspod recorded it
    expect((await tspod(['unshare', 'true'], { env })).exitCode).toBe(0);
    expect(await waitFor(() => !holders().some((p) => p.pid === h.pid), 5_000)).toBe(true);
    expect(holder()).toBeUndefined();
  });
});

describe('--userns: a user namespace nested in the shared one', () => {
  const uid = process.getuid!(), gid = process.getgid!(), name = userInfo().username;

  it('keep-id: the user as themselves (id, name, home), image files still root\'s; exec joins it; inspect shows it', async () => {
    const r = await tspod(['run', '--rm', ...none, '--userns', 'keep-id', 'busybox', 'sh', '-c', 'id; echo $HOME; ls -ld /bin/busybox; cat /proc/self/uid_map']);
    expect(r.exitCode).toBe(0);
    const [id, home, ls, ...map] = r.stdout.split('\n');
    expect(id).toBe(`uid=${uid}(${name}) gid=${gid}(${name}) groups=${gid}(${name})`);
    expect(home).toBe('/');
    expect(ls).toMatch(/^-rwxr-xr-x\s+1 root\s+root /);
    expect(map.map((l) => l.trim().split(/\s+/).join(':'))).toEqual([`0:1:${uid}`, `${uid}:0:1`, expect.stringMatching(new RegExp(`^${uid + 1}:${uid + 1}:\\d+$`))]);

    const o = await tspod(['run', '--rm', ...none, '--userns', 'keep-id:uid=200,gid=300', 'busybox', 'sh', '-c', 'id; grep ^200: /etc/passwd']);
    expect(o.stdout).toBe('uid=200(200) gid=300(300) groups=300(300)\n200:*:200:300:container user:/:/bin/sh');

    expect((await tspod(['run', '-d', ...none, '--name', 'kid', '--userns', 'keep-id', 'busybox', 'sleep', '300'])).exitCode).toBe(0);
    const ex = await tspod(['exec', 'kid', 'sh', '-c', 'id -u; cat /proc/self/uid_map | head -1']);
    expect(ex.stdout.split('\n')[0]).toBe(String(uid));
    expect(ex.stdout.split('\n')[1]!.trim().split(/\s+/)).toEqual(['0', '1', String(uid)]);
    // the entry is in the container's own /etc/passwd: root there may change it (podman #6991)
    const add = await tspod(['exec', '--user', 'root', 'kid', 'sh', '-c', 'echo extra:x:4242:4242::/:/bin/sh >> /etc/passwd; grep -c -e ^extra: -e "^' + name + ':" /etc/passwd']);
    expect(add.stdout).toBe('2');
    expect((await tspod(['exec', '--user', name, 'kid', 'id', '-u'])).stdout).toBe(String(uid));
    const insp = await tspod(['inspect', 'kid', '--format', '{{.HostConfig.UsernsMode}} {{json .HostConfig.IDMappings.UidMap}} {{.Config.User}}']);
    expect(insp.stdout).toMatch(new RegExp(`^private \\["0:1:${uid}","${uid}:0:1","${uid + 1}:${uid + 1}:\\d+"\\] ${uid}:${gid}$`));
    // --userns container:ID: the same nested namespace
    const ns = (await tspod(['exec', 'kid', 'readlink', '/proc/self/ns/user'])).stdout;
    const joined = await tspod(['run', '--rm', ...none, '--userns', 'container:kid', 'busybox', 'readlink', '/proc/self/ns/user']);
    expect(joined.stdout).toBe(ns);
    expect((await tspod(['rm', '-f', 'kid'])).exitCode).toBe(0);
  });

  it('--uidmap, nomap and auto: the maps asked for, the image still owned by its root', async () => {
    const u = await tspod(['run', '--rm', ...none, '--uidmap', '0:1:1000', 'busybox', 'sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; stat -c %u:%g /bin/busybox; touch /new; stat -c %u /new']);
    expect(u.exitCode).toBe(0);
    expect(u.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(':'))).toEqual(['0:1:1000', '0:1:1000', '0:0', '0']);
    const n = await tspod(['run', '--rm', ...none, '--userns', 'nomap', 'busybox', 'sh', '-c', 'cat /proc/self/uid_map; stat -c %u /bin/busybox']);
    expect(n.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(':'))).toEqual([expect.stringMatching(/^0:1:\d+$/), '0']);
    // two auto containers get ranges of their own
    expect((await tspod(['create', ...none, '--name', 'au1', '--userns', 'auto', 'busybox', 'true'])).exitCode).toBe(0);
    expect((await tspod(['create', ...none, '--name', 'au2', '--userns', 'auto:size=500', 'busybox', 'true'])).exitCode).toBe(0);
    const maps = (await tspod(['inspect', 'au1', 'au2', '--format', '{{json .HostConfig.IDMappings.UidMap}}'])).stdout.split('\n');
    expect(maps).toEqual(['["0:1:1024"]', '["0:1025:500"]']);
    const a = await tspod(['start', '-a', 'au2']);
    expect(a.exitCode).toBe(0);
    expect((await tspod(['rm', 'au1', 'au2'])).exitCode).toBe(0);
  });

  it('refuses as podman does', async () => {
    const p = await tspod(['run', '--rm', ...none, '--userns', 'private', 'busybox', 'true']);
    expect(p.exitCode).toBe(125);
    expect(p.stderr).toBe('Error: must provide at least one UID or GID mapping to configure a user namespace');
    const both = await tspod(['run', '--rm', ...none, '--userns', 'keep-id', '--uidmap', '0:1:10', 'busybox', 'true']);
    expect(both.stderr).toBe('Error: --userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive');
    expect((await tspod(['run', '--rm', ...none, '--uidmap', '1:1:10', 'busybox', 'true'])).stderr).toBe('Error: container ID 0 cannot be mapped to a host ID');
  });

  it('a pod created with --userns keep-id: its containers run as the user in the pod\'s namespace', async () => {
    expect((await tspod(['pod', 'create', '--name', 'upod', '--userns', 'keep-id'])).exitCode).toBe(0);
    const r = await tspod(['run', '--rm', '--pod', 'upod', 'busybox', 'sh', '-c', 'id -u; stat -c %U /bin/busybox']);
    expect(r.stdout).toBe(`${uid}\nroot`);
    expect((await tspod(['pod', 'rm', '-f', 'upod'])).exitCode).toBe(0);
  });
});

describe('volumes in the shared namespace, and :U', () => {
  it('files one container writes in a named volume are the next one\'s; :U chowns to the container\'s user', async () => {
    const w = await tspod(['run', '--rm', ...none, '-u', '100:100', '-v', 'uvol:/d:U', 'busybox', 'sh', '-c', 'stat -c %u:%g /d; echo hello > /d/f']);
    expect(w.stdout).toBe('100:100');
    const r = await tspod(['run', '--rm', ...none, '-v', 'uvol:/d', 'busybox', 'sh', '-c', 'stat -c %u:%g /d/f; cat /d/f']);
    expect(r.stdout).toBe('100:100\nhello');
    // a keep-id container sees the volume's root-owned files as root's, and :U makes them the user's
    const k = await tspod(['run', '--rm', ...none, '--userns', 'keep-id', '-v', 'uvol:/d:U', 'busybox', 'sh', '-c', 'stat -c %u /d/f; cat /d/f']);
    expect(k.stdout).toBe(`${process.getuid!()}\nhello`);
    expect((await tspod(['volume', 'rm', 'uvol'])).exitCode).toBe(0);
  });

  it('-v HOST:DEST:U: the host directory (and what is in it) belongs to the container\'s user; symlinks are not followed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-U-'));
    chmodSync(dir, 0o755); // the user may still look in once it belongs to a subordinate id
    const outside = join(dir, '..', `${dir.split('/').pop()}-outside`);
    writeFileSync(outside, 'x');
    try {
      writeFileSync(join(dir, 'f'), 'data');
      await import('node:fs').then((fs) => fs.symlinkSync(outside, join(dir, 'link')));
      const r = await tspod(['run', '--rm', ...none, '-u', '1000:1000', '-v', `${dir}:/u:U`, 'busybox', 'sh', '-c', 'stat -c %u:%g /u /u/f; echo more >> /u/f']);
      expect(r.stdout).toBe('1000:1000\n1000:1000');
      // on the host: subordinate ids, and the symlink's target untouched
      expect(statSync(join(dir, 'f')).uid).not.toBe(process.getuid!());
      expect(statSync(outside).uid).toBe(process.getuid!());
      // back to the container's root: the user's own again
      expect((await tspod(['run', '--rm', ...none, '-v', `${dir}:/u:U`, 'busybox', 'true'])).exitCode).toBe(0);
      expect(statSync(join(dir, 'f')).uid).toBe(process.getuid!());
      expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('datamore\n');
    } finally {
      await tspod(['unshare', 'rm', '-rf', dir]);
      rmSync(outside, { force: true });
    }
  });
});
