// Detached containers under tspod-monitor: run -d, ps, logs, exec, stop,
// kill, wait, start, rm -f, a killed monitor, and many starts at once.
import { afterEach, describe, expect, it } from 'vitest';
import * as pty from 'node-pty';
import { containerDirs, containerProcesses, storeMounts, testEnv, tspod, tspodBin, userProcesses, waitFor } from './helpers.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const none = ['--network', 'none'];
const monitorAndContainer = [...containerProcesses, 'tspod-monitor'];

afterEach(async () => {
  await tspod(['rm', '-f', '-a']);
  expect(await waitFor(() => userProcesses(monitorAndContainer).length === 0, 10_000)).toBe(true);
  expect(storeMounts()).toEqual([]);
});

/** The last two lines of the raw k8s-file log, as logs --tail 2 should show them. */
async function lastTwo(ref: string): Promise<string[]> {
  const all = await tspod(['logs', '-t', ref]);
  const lines = [...all.stdout.split('\n'), ...all.stderr.split('\n')].filter(Boolean).sort();
  return lines.slice(-2).map((l) => l.split(' ').slice(1).join(' ')).sort();
}

async function state(ref: string): Promise<string> {
  return (await tspod(['ps', '-a', '--filter', `name=${ref}`, '--format', '{{.State}}'])).stdout;
}

describe('run -d', () => {
  it('returns the id at once, ps shows it Up, logs show stdout and stderr in order', async () => {
    const r = await tspod(['run', '-d', ...none, '--name', 'svc', 'busybox', 'sh', '-c', 'echo out1; echo err1 >&2; echo out2; exec sleep 100']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}$/);
    const ps = await tspod(['ps', '--format', '{{.ID}} {{.Names}} {{.Status}}']);
    expect(ps.stdout).toMatch(new RegExp(`^${r.stdout.slice(0, 12)} svc Up `));
    expect(await waitFor(async () => (await tspod(['logs', 'svc'])).stdout === 'out1\nout2')).toBe(true);
    const logs = await tspod(['logs', 'svc']);
    expect(logs.stderr).toBe('err1');
    const stamped = await tspod(['logs', '-t', 'svc']);
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}\+00:00 out1\n\S+ out2$/);
    // --tail counts log lines of both streams: the two latest, whichever stream
    const tail = await tspod(['logs', '--tail', '2', 'svc']);
    const shown = [...tail.stdout.split('\n'), ...tail.stderr.split('\n')].filter(Boolean).sort();
    expect(shown).toHaveLength(2);
    expect(shown).toEqual(await lastTwo('svc'));
  });

  it('logs -f follows until the container exits', async () => {
    await tspod(['run', '-d', ...none, '--name', 'talker', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.3; done']);
    const r = await tspod(['logs', '-f', 'talker']);
    expect(r.stdout).toBe('line1\nline2\nline3');
    expect(await state('talker')).toBe('exited');
  });

  it('wait prints the exit code; ps shows Exited (N)', async () => {
    await tspod(['run', '-d', ...none, '--name', 'quitter', 'busybox', 'sh', '-c', 'sleep 0.2; exit 7']);
    const w = await tspod(['wait', 'quitter']);
    expect(w.stdout).toBe('7');
    const ps = await tspod(['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
    expect(ps.stdout).toMatch(/^quitter Exited \(7\) /);
  });

  it('--rm with -d removes the container when it exits', async () => {
    const before = containerDirs().length;
    await tspod(['run', '-d', '--rm', ...none, 'busybox', 'true']);
    expect(await waitFor(() => containerDirs().length === before, 10_000)).toBe(true);
  });

  it('reports a start failure with the right exit code and leaves no process', async () => {
    const r = await tspod(['run', '-d', ...none, '--name', 'broken', 'busybox', 'no-such-command']);
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toMatch(/no-such-command: executable file not found/);
    expect(await waitFor(async () => (await state('broken')) === 'exited')).toBe(true);
  });
});

describe('stop, kill, start', () => {
  it('stop sends SIGTERM and returns when the container has exited', async () => {
    await tspod(['run', '-d', ...none, '--name', 'polite', 'busybox', 'sh', '-c', 'trap "echo got-term; exit 3" TERM; while true; do sleep 0.1; done']);
    await waitFor(async () => (await state('polite')) === 'running');
    const r = await tspod(['stop', 'polite']);
    expect(r.stdout).toBe('polite');
    expect(await state('polite')).toBe('exited');
    expect((await tspod(['wait', 'polite'])).stdout).toBe('3');
    expect((await tspod(['logs', 'polite'])).stdout).toBe('got-term');
  });

  it('stop -t 1 kills a container that ignores SIGTERM', async () => {
    await tspod(['run', '-d', ...none, '--name', 'stubborn', 'busybox', 'sleep', '100']);
    const started = Date.now();
    const stop = await tspod(['stop', '--timeout=1', 'stubborn']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // podman's warning, and --timeout as the alias of -t it keeps
    expect(stop.stderr).toMatch(/StopSignal SIGTERM failed to stop container stubborn in 1 seconds, resorting to SIGKILL$/);
    expect((await tspod(['wait', 'stubborn'])).stdout).toBe('137');
  });

  it('kill -s USR1 reaches the container; start runs a stopped container again', async () => {
    await tspod(['run', '-d', ...none, '--name', 'usr1', 'busybox', 'sh', '-c', 'trap "echo got-usr1" USR1; echo ready; while true; do sleep 0.1; done']);
    await waitFor(async () => (await tspod(['logs', 'usr1'])).stdout.includes('ready'));
    expect((await tspod(['kill', '-s', 'USR1', 'usr1'])).exitCode).toBe(0);
    expect(await waitFor(async () => (await tspod(['logs', 'usr1'])).stdout.includes('got-usr1'))).toBe(true);
    await tspod(['kill', 'usr1']);
    expect((await tspod(['wait', 'usr1'])).stdout).toBe('137');
    expect((await tspod(['start', 'usr1'])).exitCode).toBe(0);
    expect(await state('usr1')).toBe('running');
    const bad = await tspod(['kill', '-s', 'NOPE', 'usr1']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toMatch(/^Error: invalid signal: NOPE$/);
  });

  it('rm refuses a running container without -f; rm -f leaves no process, mount or state', async () => {
    await tspod(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '100']);
    const r = await tspod(['rm', 'busy']);
    expect(r.exitCode).toBe(2); // podman's code for a container in the wrong state
    expect(r.stderr).toMatch(/running/);
    const before = containerDirs().length;
    expect((await tspod(['rm', '-f', 'busy'])).exitCode).toBe(0);
    expect(containerDirs().length).toBe(before - 1);
    expect(await waitFor(() => userProcesses(monitorAndContainer).length === 0)).toBe(true);
  });

  it('survives a killed monitor: the container goes with it and ps does not hang', async () => {
    await tspod(['run', '-d', '--name', 'orphan', 'busybox', 'sleep', '100']);
    const [monitor] = userProcesses(['tspod-monitor']);
    process.kill(monitor!.pid, 'SIGKILL');
    expect(await waitFor(() => userProcesses(containerProcesses).length === 0)).toBe(true);
    const ps = await tspod(['ps', '-a', '--format', '{{.Names}} {{.State}}'], { timeout: 10_000 });
    expect(ps.stdout).toBe('orphan exited');
  });

  it('rm -f racing stop leaves consistent state: no process, no record', async () => {
    await tspod(['run', '-d', '--name', 'racer', 'busybox', 'sleep', '100']);
    const [stop, rm] = await Promise.all([tspod(['stop', '-t', '1', 'racer']), tspod(['rm', '-f', 'racer'])]);
    expect(rm.exitCode).toBe(0);
    expect([0, 125]).toContain(stop.exitCode); // it may find the container gone
    expect(await waitFor(() => userProcesses(monitorAndContainer).length === 0)).toBe(true);
    expect((await tspod(['ps', '-a', '--format', '{{.Names}}'])).stdout).not.toContain('racer');
  });

  it('a late cleanup of an earlier run never marks a newer one exited (kill then start, stop then start in a pod)', async () => {
    expect((await tspod(['run', '-d', ...none, '--name', 'late', 'busybox', 'sleep', '1000'])).exitCode).toBe(0);
    // the earlier run's monitor execs its cleanup: once its pid is gone, that cleanup has run
    const monitorOf = async (ref: string) => Number((await tspod(['inspect', ref, '--format', '{{.State.ConmonPid}}'])).stdout);
    const gone = (pid: number) => waitFor(() => !existsSync(`/proc/${pid}`), 15_000);
    for (let i = 0; i < 3; i++) {
      // kill returns before the monitor's cleanup ran: start makes a new instance meanwhile
      const old = await monitorOf('late');
      expect((await tspod(['kill', 'late'])).exitCode).toBe(0);
      await tspod(['start', 'late']);
      expect(await gone(old)).toBe(true);
      const st = await tspod(['inspect', 'late', '--format', '{{.State.Status}}']);
      expect(st.stdout).toBe('running');
    }
    expect((await tspod(['pod', 'create', '--name', 'latepod', '--exit-policy', 'stop'])).exitCode).toBe(0);
    expect((await tspod(['run', '-d', ...none, '--pod', 'latepod', '--name', 'latem', 'busybox', 'sleep', '1000'])).exitCode).toBe(0);
    for (let i = 0; i < 3; i++) {
      const old = await monitorOf('latem');
      expect((await tspod(['stop', '-t', '0', 'latem'])).exitCode).toBe(0);
      expect((await tspod(['start', 'latem'])).exitCode).toBe(0);
      expect(await gone(old)).toBe(true);
      const ps = await tspod(['ps', '-a', '--pod', '--filter', 'pod=latepod', '--format', '{{.Names}} {{.State}}']);
      expect(ps.stdout.split('\n').sort()).toEqual([expect.stringMatching(/-infra running$/), 'latem running']);
    }
    expect((await tspod(['pod', 'rm', '-f', 'latepod'])).exitCode).toBe(0);
  });

  it('pause says why it cannot work on this host', async () => {
    await tspod(['run', '-d', ...none, '--name', 'frozen', 'busybox', 'sleep', '100']);
    const r = await tspod(['pause', 'frozen']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/cgroup/);
    expect(await state('frozen')).toBe('running');
  });

  it('three starts of one container at once launch it once (the container\'s lock)', async () => {
    const id = (await tspod(['create', ...none, '--name', 'once', 'busybox', 'sleep', '100'])).stdout;
    const starts = await Promise.all([0, 1, 2].map(() => tspod(['start', 'once'])));
    expect(starts.map((r) => r.exitCode)).toEqual([0, 0, 0]);
    expect(userProcesses(['tspod-wait']).length).toBe(1); // what tspod-launch becomes once the container runs
    await tspod(['rm', '-f', id]);
  });

  it('ten run -d at once leave ten running containers with distinct names', async () => {
    const runs = await Promise.all(Array.from({ length: 10 }, () => tspod(['run', '-d', ...none, 'busybox', 'sleep', '100'])));
    expect(runs.map((r) => r.exitCode)).toEqual(Array(10).fill(0));
    const ps = await tspod(['ps', '--format', '{{.Names}}']);
    expect(new Set(ps.stdout.split('\n')).size).toBe(10);
  });
});

describe('restart policies', () => {
  it('on-failure:2 restarts a failing container twice, then leaves it exited', async () => {
    await tspod(['run', '-d', ...none, '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'echo attempt; exit 3']);
    expect(await waitFor(async () => (await tspod(['logs', 'flaky'])).stdout === 'attempt\nattempt\nattempt', 20_000)).toBe(true);
    expect(await waitFor(async () => (await tspod(['inspect', '-f', '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}', 'flaky'])).stdout === 'exited 2 3', 10_000)).toBe(true);
    expect((await tspod(['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'flaky'])).stdout).toBe('on-failure 2');
  });

  it('always restarts a container that exits 0, until it is stopped', async () => {
    await tspod(['run', '-d', ...none, '--name', 'phoenix', '--restart', 'always', 'busybox', 'sh', '-c', 'echo up; sleep 0.2']);
    expect(await waitFor(async () => (await tspod(['logs', 'phoenix'])).stdout.split('\n').length >= 3, 20_000)).toBe(true);
    await tspod(['stop', 'phoenix']);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await state('phoenix')).toBe('exited');
  });

  it('refuses --restart with --rm, without -d, and a bad policy', async () => {
    for (const [args, msg] of [[['-d', '--rm', '--restart', 'always'], /conflicts/], [['--restart', 'always'], /add -d/], [['-d', '--restart', 'sometimes'], /invalid --restart/]] as const) {
      const r = await tspod(['run', ...args, ...none, 'busybox', 'true']);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe('more verbs', () => {
  it('top lists the container\'s processes with container pids; diff shows A, C and D', async () => {
    await tspod(['run', '-d', ...none, '--name', 'changes', 'busybox', 'sh', '-c', 'touch /new; rm /bin/ls; echo x >> /etc/passwd; exec sleep 100']);
    expect(await waitFor(async () => (await tspod(['diff', 'changes'])).stdout.includes('A /new'))).toBe(true);
    const top = await tspod(['top', 'changes']);
    expect(top.stdout).toMatch(/^USER\s+PID\s+PPID\s+%CPU\s+ELAPSED\s+TTY\s+TIME\s+COMMAND\nroot\s+1\s+0\s.*sleep 100$/);
    const described = await tspod(['top', 'changes', 'pid,comm', 'user', 'hpid']);
    expect(described.stdout).toMatch(/^PID\s+COMM\s+USER\s+HPID\n1\s+sleep\s+root\s+\d+$/);
    expect((await tspod(['top', 'changes', 'bogus'])).stderr).toContain('unknown top descriptor "bogus"');
    const diff = (await tspod(['diff', 'changes'])).stdout.split('\n');
    expect(diff).toEqual(expect.arrayContaining(['A /new', 'D /bin/ls', 'C /etc/passwd']));
  });

  it('rename changes the name everywhere; a taken name is refused; restart runs it again', async () => {
    await tspod(['run', '-d', ...none, '--name', 'old', 'busybox', 'sleep', '100']);
    await tspod(['run', '-d', ...none, '--name', 'taken', 'busybox', 'sleep', '100']);
    expect((await tspod(['rename', 'old', 'new'])).exitCode).toBe(0);
    expect((await tspod(['inspect', '-f', '{{.Name}}', 'new'])).stdout).toBe('new');
    const clash = await tspod(['rename', 'new', 'taken']);
    expect(clash.exitCode).toBe(125);
    expect(clash.stderr).toMatch(/already in use/);
    const pid = (await tspod(['inspect', '-f', '{{.State.Pid}}', 'new'])).stdout;
    expect((await tspod(['restart', '-t', '1', 'new'])).stdout).toBe('new');
    expect(await state('new')).toBe('running');
    expect((await tspod(['inspect', '-f', '{{.State.Pid}}', 'new'])).stdout).not.toBe(pid);
  });

  it('cp copies both ways: into the container as its root, out as the user', async () => {
    const { mkdtempSync, writeFileSync, mkdirSync, readFileSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tspod-cp-'));
    writeFileSync(join(dir, 'file.txt'), 'from-host\n');
    mkdirSync(join(dir, 'tree'));
    writeFileSync(join(dir, 'tree', 'leaf'), 'leaf\n');
    await tspod(['run', '-d', ...none, '--name', 'cpbox', 'busybox', 'sh', '-c', 'echo inside > /tmp/made; exec sleep 100']);
    await waitFor(async () => (await tspod(['exec', 'cpbox', 'cat', '/tmp/made'])).stdout === 'inside');
    expect((await tspod(['cp', join(dir, 'file.txt'), 'cpbox:/tmp/'])).exitCode).toBe(0);
    expect((await tspod(['cp', join(dir, 'tree'), 'cpbox:/tmp/renamed'])).exitCode).toBe(0);
    const seen = await tspod(['exec', 'cpbox', 'sh', '-c', 'cat /tmp/file.txt /tmp/renamed/leaf; stat -c %u:%g /tmp/file.txt']);
    expect(seen.stdout).toBe('from-host\nleaf\n0:0');
    expect((await tspod(['cp', 'cpbox:/tmp/made', join(dir, 'out.txt')])).exitCode).toBe(0);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('inside\n');
    expect(statSync(join(dir, 'out.txt')).uid).toBe(process.getuid!());
    expect((await tspod(['cp', 'cpbox:/etc', dir])).exitCode).toBe(0);
    expect(readFileSync(join(dir, 'etc', 'passwd'), 'utf8')).toMatch(/^root:x:0:0/);
    const missing = await tspod(['cp', 'cpbox:/no/such', dir]);
    expect(missing.exitCode).toBe(125);
    const both = await tspod(['cp', dir, dir]);
    expect(both.stderr).toMatch(/exactly one of SRC and DEST/);
  });

  it('cp works with a stopped container too: in through its writable layer, out of its layers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-cp-stopped-'));
    writeFileSync(join(dir, 'greeting'), 'hello stopped\n');
    const id = (await tspod(['create', ...none, 'busybox', 'cat', '/etc/greeting'])).stdout;
    const cpIn = await tspod(['cp', join(dir, 'greeting'), `${id}:/etc/greeting`]);
    expect(cpIn.exitCode, cpIn.stderr).toBe(0);
    const start = await tspod(['start', '-a', id]);
    expect(start.stdout).toBe('hello stopped');
    expect(start.exitCode).toBe(0);
    expect((await tspod(['cp', `${id}:/etc/passwd`, join(dir, 'passwd')])).exitCode).toBe(0);
    expect(readFileSync(join(dir, 'passwd'), 'utf8')).toMatch(/^root:x:0:0/);
    expect((await tspod(['cp', `${id}:/etc/greeting`, join(dir, 'back')])).exitCode).toBe(0);
    expect(readFileSync(join(dir, 'back'), 'utf8')).toBe('hello stopped\n');
    // Nothing of the copy is left mounted, and no work directory stays behind.
    expect(storeMounts()).toEqual([]);
    expect(readdirSync(join(testEnv().XDG_DATA_HOME!, 'tspod', 'containers', id)).filter((n) => n.startsWith('cp-work'))).toEqual([]);
    await tspod(['rm', id]);
  });

  it('mount works inside tspod unshare (as its root), and says so outside it; unmount undoes it', async () => {
    const id = (await tspod(['create', ...none, 'busybox', 'cat', '/etc/added'])).stdout;
    const outside = await tspod(['mount', id]);
    expect(outside.exitCode).toBe(125);
    expect(outside.stderr).toContain('inside `tspod unshare`');
    const inside = await tspod(['unshare', 'sh', '-c', `id -u; d=$(${tspodBin} mount ${id}); echo added > "$d/etc/added"; ${tspodBin} mount; ${tspodBin} unmount ${id}; ${tspodBin} mount | wc -l`]);
    expect(inside.exitCode, inside.stderr).toBe(0);
    const lines = inside.stdout.split('\n');
    expect(lines[0]).toBe('0');
    expect(lines[1]).toMatch(new RegExp(`^${id.slice(0, 12)}  .*/containers/${id}/merged$`));
    expect(lines[2]).toBe(id);
    expect(lines[3]!.trim()).toBe('0');
    expect((await tspod(['start', '-a', id])).stdout).toBe('added');
    expect((await tspod(['unshare', 'sh', '-c', 'exit 7'])).exitCode).toBe(7);
    expect(storeMounts()).toEqual([]);
    await tspod(['rm', id]);
  });

  it('system reset --force empties a store; without --force it refuses', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { inject } = await import('vitest');
    const base = mkdtempSync(join(tmpdir(), 'tspod-reset-'));
    const env = { ...testEnv(), XDG_DATA_HOME: join(base, 'data'), XDG_RUNTIME_DIR: join(base, 'run') };
    await tspod(['load', '-i', inject('tspodImages').dockerArchive], { env });
    await tspod(['run', '-d', ...none, 'busybox', 'sleep', '100'], { env });
    expect((await tspod(['system', 'reset'], { env })).stderr).toMatch(/add --force/);
    expect((await tspod(['system', 'reset', '--force'], { env })).exitCode).toBe(0);
    expect((await tspod(['images', '-q'], { env })).stdout).toBe('');
    expect((await tspod(['ps', '-a', '-q'], { env })).stdout).toBe('');
  });
});

describe('attach', () => {
  function attach(ref: string, cols = 100, rows = 30) {
    const t = pty.spawn(tspodBin, ['attach', ref], { cols, rows, env: testEnv() });
    let out = '';
    t.onData((d) => (out += d));
    const exited = new Promise<number>((resolve) => t.onExit(({ exitCode }) => resolve(exitCode)));
    return { t, exited, out: () => out };
  }

  it('run -dit gives a detached terminal: attach, type, resize, detach with ctrl-p ctrl-q, attach again, exit', async () => {
    const id = (await tspod(['run', '-dit', ...none, '--name', 'shell', 'busybox', 'sh'])).stdout;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const a = attach('shell');
    await new Promise((r) => setTimeout(r, 500));
    a.t.write('echo $((6*7)); stty size\r');
    expect(await waitFor(() => /\n42\r*\n30 100\r*\n/.test(a.out()), 10_000)).toBe(true);
    a.t.write('\x10\x11');
    expect(await a.exited).toBe(0);
    expect(await state('shell')).toBe('running');
    const b = attach('shell', 80, 24);
    await new Promise((r) => setTimeout(r, 500));
    b.t.write('exit 3\r');
    expect(await b.exited).toBe(3);
    expect(await waitFor(async () => (await state('shell')) === 'exited')).toBe(true);
    expect((await tspod(['logs', 'shell'])).stdout).toMatch(/\n42\n/);
  });

});

describe('commit', () => {
  it('makes an image of the container\'s changes: files with their owners, hard links, deletions, and --change', async () => {
    const id = (await tspod(['run', '-d', ...none, 'busybox', 'sh', '-c',
      'mkdir -p /opt/app && echo v1 > /opt/app/data && ln /opt/app/data /opt/app/hard && chown 1234:5678 /opt/app/data && rm /etc/group && sleep 100'])).stdout;
    await waitFor(async () => (await tspod(['exec', id, 'test', '-f', '/opt/app/hard'])).exitCode === 0);
    const c = await tspod(['commit', '-c', 'CMD cat /opt/app/data', '-c', 'ENV STAGE=prod', '-c', 'LABEL team=core', '-m', 'first build', id, 'committed:v1']);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^[0-9a-f]{64}$/);
    await tspod(['rm', '-f', id]);
    expect((await tspod(['run', '--rm', ...none, 'committed:v1'])).stdout).toBe('v1');
    const look = await tspod(['run', '--rm', ...none, 'committed:v1', 'sh', '-c', 'echo $STAGE; stat -c "%u:%g %h" /opt/app/data; test -e /etc/group || echo gone; wc -c < /etc/hosts']);
    expect(look.stdout.split('\n').slice(0, 3)).toEqual(['prod', '1234:5678 2', 'gone']);
    const img = JSON.parse((await tspod(['image', 'inspect', 'committed:v1'])).stdout)[0];
    expect(img.RepoTags).toEqual(['localhost/committed:v1']);
    expect(img.Config.Labels).toMatchObject({ team: 'core' });
    expect((await tspod(['history', '--format', 'json', 'committed:v1'])).stdout).toContain('"comment": "first build"');
    const bad = await tspod(['commit', '-c', 'RUN make', 'no-such-container']);
    expect(bad.exitCode).toBe(125);
    await tspod(['rmi', 'committed:v1']);
  });
});

describe('start -a, exec -d', () => {
  it('start -a shows the output of a created container and exits with its code; -i needs one created with -i', async () => {
    const id = (await tspod(['create', ...none, 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'])).stdout;
    const r = await tspod(['start', '-a', id]);
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([3, 'out', 'err']);
    const again = await tspod(['start', '--attach', id]);
    expect([again.exitCode, again.stdout]).toEqual([3, 'out']);
    const i = await tspod(['start', '-a', '-i', id]);
    expect(i.exitCode).toBe(125);
    expect(i.stderr).toContain('was created without -i'); // attach-streams.test.ts: one made with -i
    await tspod(['rm', id]);
  });

  it('exec -d prints a session id, returns at once, and the command runs on after tspod exits', async () => {
    const id = (await tspod(['run', '-d', ...none, 'busybox', 'sleep', '100'])).stdout;
    const r = await tspod(['exec', '-d', id, 'sh', '-c', 'sleep 1; echo ran > /tmp/marker']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}$/);
    expect((await tspod(['exec', id, 'cat', '/tmp/marker'])).exitCode).toBe(1);
    expect(await waitFor(async () => (await tspod(['exec', id, 'cat', '/tmp/marker'])).stdout === 'ran', 10_000)).toBe(true);
    const missing = await tspod(['exec', '-d', id, 'no-such-command']);
    expect(missing.exitCode).toBe(127);
    await tspod(['rm', '-f', id]);
  });
});

describe('labels', () => {
  it('--label sets labels over the image\'s; ps filters by label=KEY and label=KEY=VALUE; inspect and ps templates show them', async () => {
    const web = (await tspod(['create', '--name', 'lab-web', '-l', 'app=web', '--label', 'tier', 'busybox', 'true'])).stdout;
    await tspod(['create', '--name', 'lab-db', '--label', 'app=db', 'busybox', 'true']);
    expect((await tspod(['ps', '-a', '--filter', 'label=app=web', '--format', '{{.Names}}'])).stdout).toBe('lab-web');
    expect((await tspod(['ps', '-a', '--filter', 'label=app', '--format', '{{.Names}}'])).stdout.split('\n').sort()).toEqual(['lab-db', 'lab-web']);
    expect((await tspod(['ps', '-a', '--filter', 'label=tier', '-q'])).stdout).toBe(web.slice(0, 12));
    expect((await tspod(['ps', '-a', '--filter', 'label=app=none', '-q'])).stdout).toBe('');
    expect((await tspod(['ps', '-a', '--filter', 'name=lab-web', '--format', '{{.Labels}}'])).stdout).toMatch(/^map\[app:web .*tier:\]$/);
    const inspected = JSON.parse((await tspod(['inspect', 'lab-web'])).stdout)[0];
    expect(inspected.Config.Labels).toMatchObject({ app: 'web', tier: '' });
    expect((await tspod(['create', '--label', '=x', 'busybox', 'true'])).stderr).toContain('invalid --label "=x"');
    await tspod(['rm', 'lab-web', 'lab-db']);
  });
});

describe('inspect', () => {
  it('shows podman\'s fields for a container and an image; --format takes templates', async () => {
    const id = (await tspod(['run', '-d', ...none, '--name', 'insp', '-e', 'A=1', '-w', '/tmp', 'busybox', 'sleep', '100'])).stdout;
    const [c] = JSON.parse((await tspod(['inspect', 'insp'])).stdout);
    expect(c).toMatchObject({ Id: id, Name: 'insp', ImageName: 'localhost/busybox:latest', Path: 'sleep', Args: ['100'],
      State: { Status: 'running', Running: true }, Config: { WorkingDir: '/tmp', Cmd: ['sleep', '100'] }, HostConfig: { RestartPolicy: { Name: '' } } });
    expect(c.Config.Env).toContain('A=1');
    expect(c.State.Pid).toBeGreaterThan(1);
    expect((await tspod(['inspect', '--format', '{{.State.Status}} {{.Name}}', 'insp'])).stdout).toBe('running insp');
    await tspod(['kill', 'insp']);
    await tspod(['wait', 'insp']);
    expect((await tspod(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'insp'])).stdout).toBe('exited 137');
    const [img] = JSON.parse((await tspod(['inspect', '--type', 'image', 'busybox'])).stdout);
    expect(img).toMatchObject({ RepoTags: ['localhost/busybox:latest'], Architecture: 'amd64', Os: 'linux', RootFS: { Type: 'layers' } });
    const missing = await tspod(['inspect', 'nothing-here']);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr).toMatch(/no such object/);
  });
});

describe('exec', () => {
  it('sees the same pid namespace and files, with the container\'s confinement', async () => {
    await tspod(['run', '-d', ...none, '--name', 'box', 'busybox', 'sh', '-c', 'echo made > /tmp/f; exec sleep 100']);
    await waitFor(async () => (await tspod(['exec', 'box', 'cat', '/tmp/f'])).stdout === 'made');
    const r = await tspod(['exec', 'box', 'sh', '-c', 'cat /tmp/f; ps -o pid,args | grep -c "^ *1 sleep 100"; grep -E "CapEff|Seccomp:" /proc/self/status']);
    expect(r.stdout.split('\n').map((l) => l.replace(/\s+/g, ' '))).toEqual(['made', '1', 'CapEff: 00000000800405fb', 'Seccomp: 2']);
  });

  it.each([
    [['true'], 0],
    [['sh', '-c', 'exit 1'], 1],
    [['/etc/passwd'], 126],
    [['no-such-command'], 127],
  ])('%j exits %i', async (cmd, code) => {
    await tspod(['run', '-d', ...none, '--name', 'codes', 'busybox', 'sleep', '100']);
    expect((await tspod(['exec', 'codes', ...cmd])).exitCode).toBe(code);
  });

  it('takes -u, -w, -e and -i', async () => {
    await tspod(['run', '-d', ...none, '--name', 'opts', 'busybox', 'sleep', '100']);
    const r = await tspod(['exec', '-u', 'tester', '-w', '/home/tester', '-e', 'FOO=bar', 'opts', 'sh', '-c', 'id -u; pwd; echo $FOO']);
    expect(r.stdout).toBe('1000\n/home/tester\nbar');
    const i = await tspod(['exec', '-i', 'opts', 'cat'], { input: 'through-stdin', stdin: undefined });
    expect(i.stdout).toBe('through-stdin');
    const stopped = await tspod(['exec', 'nosuch', 'true']);
    expect(stopped.exitCode).toBe(125);
  });

  it('-it gives a terminal', async () => {
    await tspod(['run', '-d', ...none, '--name', 'term', 'busybox', 'sleep', '100']);
    const t = pty.spawn(tspodBin, ['exec', '-it', 'term', 'sh'], { cols: 90, rows: 20, env: testEnv() });
    let out = '';
    t.onData((d) => (out += d));
    const exited = new Promise<number>((resolve) => t.onExit(({ exitCode }) => resolve(exitCode)));
    await waitFor(() => /# /.test(out), 15_000);
    t.write('stty size; exit 6\r');
    expect(await exited).toBe(6);
    expect(out).toMatch(/20 90/);
  });
});
