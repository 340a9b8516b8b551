// generate systemd: every unit passes `systemd-analyze verify`, and the units'
// own command lines, run in order as systemd would (with NOTIFY_SOCKET on a
// socket the test reads), start the container, tell systemd it is ready with the
// monitor as main pid, stop it and clean it up. (No systemd runs as PID 1 on these
// machines, so no manager runs the units: see docs/systemd.md.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { root, testEnv, tspod, waitFor } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'tspod-systemd-'));
const listener = join(work, 'notify-listen');
let notify: ChildProcess | undefined;
let notified = '';

beforeAll(async () => {
  execFileSync('gcc', ['-O2', '-o', listener, join(root, 'test/fixtures/notify-listen.c')]);
  notify = spawn(listener, [join(work, 'notify.sock')], { stdio: ['ignore', 'pipe', 'inherit'] });
  notify.stdout!.setEncoding('utf8').on('data', (d: string) => (notified += d));
  expect(await waitFor(() => notified.includes('listening'))).toBe(true);
});

afterAll(() => notify?.kill());

async function verify(file: string) {
  return execa('systemd-analyze', ['verify', file], { reject: false, cwd: work });
}

/** A unit's Exec lines as argv arrays, as systemd reads them for a user unit named NAME
 * (several ExecStartPre lines run in order: `ExecStartPre` is the first, `pre` all of them). */
function execLines(text: string, name: string): Record<string, string[]> & { pre: string[][] } {
  const joined = text.replace(/ \\\n\t/g, ' ');
  const out = { pre: [] as string[][] } as Record<string, string[]> & { pre: string[][] };
  for (const line of joined.split('\n')) {
    const m = /^(Exec\w+)=(.*)$/.exec(line);
    if (!m) continue;
    const words = [...m[2]!.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((w) => (w[1] !== undefined ? w[1].replace(/\\(.)/g, '$1') : w[2]!));
    const argv = words.map((w) => w.replace(/%t/g, testEnv().XDG_RUNTIME_DIR!).replace(/%n/g, name).replace(/%%/g, '%').replace(/\$\$/g, '$'));
    if (m[1] === 'ExecStartPre') out.pre.push(argv);
    out[m[1]!] ??= argv;
  }
  return out;
}

describe('generate systemd', () => {
  it('--new: the unit verifies; its commands create the container, notify READY with the monitor as MAINPID, stop and remove it', async () => {
    await tspod(['create', '--name', 'svc', '-e', 'GREETING=100% $HOME', 'busybox', 'sh', '-c', 'echo "$GREETING"; exec sleep 1000']);
    const gen = await tspod(['generate', 'systemd', '--new', '--name', '--files', '-t', '1', 'svc'], { cwd: work });
    expect(gen.exitCode, gen.stderr).toBe(0);
    const file = join(work, 'container-svc.service');
    expect(gen.stdout).toBe(file);
    const v = await verify(file);
    expect(v.exitCode, v.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('Type=notify');
    expect(text).toContain('NotifyAccess=all');
    const exec = execLines(text, 'container-svc.service');
    const env = { ...testEnv(), NOTIFY_SOCKET: join(work, 'notify.sock') };
    const run = (argv: string[]) => execa(argv[0]!, argv.slice(1), { env, reject: false });

    expect((await run(exec.ExecStartPre!)).exitCode).toBe(0);
    notified = '';
    const start = await run(exec.ExecStart!);
    expect(start.exitCode, start.stderr).toBe(0);
    expect(await waitFor(() => notified.includes('READY=1'))).toBe(true);
    const mainPid = Number(/MAINPID=(\d+)/.exec(notified)?.[1]);
    expect(readFileSync(`/proc/${mainPid}/comm`, 'utf8').trim()).toBe('tspod-monitor');
    const cidFile = join(testEnv().XDG_RUNTIME_DIR!, 'container-svc.service.ctr-id');
    const id = readFileSync(cidFile, 'utf8');
    expect((await tspod(['ps', '--format', '{{.ID}} {{.Names}} {{.State}}'])).stdout).toBe(`${id.slice(0, 12)} svc running`);
    expect(await waitFor(async () => (await tspod(['logs', 'svc'])).stdout.includes('100% '))).toBe(true);

    expect((await run(exec.ExecStop!)).exitCode).toBe(0);
    const post = await run(exec.ExecStopPost!);
    expect(post.exitCode, post.stderr).toBe(0);
    expect((await tspod(['ps', '-a', '--format', '{{.Names}}'])).stdout.split('\n')).not.toContain('svc');
    // Started again: --replace and the cid file make a second run work the same way.
    expect((await run(exec.ExecStartPre!)).exitCode).toBe(0);
    expect((await run(exec.ExecStart!)).exitCode).toBe(0);
    expect((await run(exec.ExecStop!)).exitCode).toBe(0);
    expect((await run(exec.ExecStopPost!)).exitCode).toBe(0);
    expect(existsSync(cidFile)).toBe(true);
  });

  it('without --new: the unit starts and stops the existing container, PIDFile naming its monitor', async () => {
    await tspod(['create', '--name', 'existing', 'busybox', 'sleep', '1000']);
    const gen = await tspod(['generate', 'systemd', '--name', '--restart-policy', 'always', '-t', '3', 'existing']);
    expect(gen.exitCode, gen.stderr).toBe(0);
    const { writeFileSync } = await import('node:fs');
    const file = join(work, 'container-existing.service');
    writeFileSync(file, gen.stdout);
    expect((await verify(file)).exitCode).toBe(0);
    expect(gen.stdout).toMatch(/^Restart=always$/m);
    expect(gen.stdout).toMatch(/^TimeoutStopSec=63$/m);
    const exec = execLines(gen.stdout, 'container-existing.service');
    expect((await execa(exec.ExecStart![0]!, exec.ExecStart!.slice(1), { env: testEnv(), reject: false })).exitCode).toBe(0);
    const pidFile = /^PIDFile=(.*)$/m.exec(gen.stdout)![1]!;
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('tspod-monitor');
    expect((await execa(exec.ExecStop![0]!, exec.ExecStop!.slice(1), { env: testEnv(), reject: false })).exitCode).toBe(0);
    expect((await tspod(['ps', '-a', '--filter', 'name=existing', '--format', '{{.State}}'])).stdout).toBe('exited');
    await tspod(['rm', 'existing']);
  });

  it('a pod: a pod unit (the infra) and a bound unit per member; both verify and start and stop the pod', async () => {
    await tspod(['pod', 'create', '--name', 'upod']);
    await tspod(['create', '--pod', 'upod', '--name', 'upod-app', 'busybox', 'sleep', '1000']);
    const dir = mkdtempSync(join(work, 'pod-'));
    const gen = await tspod(['generate', 'systemd', '--name', '--files', '-t', '1', 'upod'], { cwd: dir });
    expect(gen.exitCode, gen.stderr).toBe(0);
    expect(gen.stdout.split('\n')).toEqual([join(dir, 'pod-upod.service'), join(dir, 'container-upod-app.service')]);
    const v = await execa('systemd-analyze', ['verify', 'pod-upod.service', 'container-upod-app.service'], { cwd: dir, reject: false });
    expect(v.exitCode, v.stderr).toBe(0);
    const podText = readFileSync(join(dir, 'pod-upod.service'), 'utf8');
    const appText = readFileSync(join(dir, 'container-upod-app.service'), 'utf8');
    expect(podText).toMatch(/^Wants=container-upod-app.service\nBefore=container-upod-app.service$/m);
    expect(appText).toMatch(/^BindsTo=pod-upod.service\nAfter=pod-upod.service$/m);
    const podExec = execLines(podText, 'pod-upod.service');
    const appExec = execLines(appText, 'container-upod-app.service');
    const run = (argv: string[]) => execa(argv[0]!, argv.slice(1), { env: testEnv(), reject: false });
    // In systemd's order: the pod unit first (Before=), then the member.
    expect((await run(podExec.ExecStart!)).exitCode).toBe(0);
    const pid = Number(readFileSync(/^PIDFile=(.*)$/m.exec(podText)![1]!, 'utf8'));
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('tspod-monitor');
    expect((await run(appExec.ExecStart!)).exitCode).toBe(0);
    expect((await tspod(['pod', 'inspect', 'upod'])).stdout).toContain('"State": "Running"');
    expect((await run(appExec.ExecStop!)).exitCode).toBe(0);
    expect((await run(podExec.ExecStop!)).exitCode).toBe(0);
    expect(JSON.parse((await tspod(['pod', 'inspect', 'upod'])).stdout).State).toBe('Exited');

    // --new: the pod unit creates the pod (id file, infra pid file), its member unit runs into it by that file.
    const newDir = mkdtempSync(join(work, 'podnew-'));
    const genNew = await tspod(['generate', 'systemd', '--new', '--name', '--files', '-t', '1', 'upod'], { cwd: newDir });
    expect(genNew.exitCode, genNew.stderr).toBe(0);
    expect((await execa('systemd-analyze', ['verify', 'pod-upod.service', 'container-upod-app.service'], { cwd: newDir, reject: false })).exitCode).toBe(0);
    const podNew = execLines(readFileSync(join(newDir, 'pod-upod.service'), 'utf8'), 'pod-upod.service');
    const appNew = execLines(readFileSync(join(newDir, 'container-upod-app.service'), 'utf8'), 'container-upod-app.service');
    expect(podNew.pre.length).toBe(2);
    for (const argv of podNew.pre) expect((await run(argv)).exitCode).toBe(0);
    const started = await run(podNew.ExecStart!);
    expect(started.exitCode, started.stderr).toBe(0);
    const podPid = Number(readFileSync(join(testEnv().XDG_RUNTIME_DIR!, 'pod-upod.pid'), 'utf8'));
    expect(readFileSync(`/proc/${podPid}/comm`, 'utf8').trim()).toBe('tspod-monitor');
    for (const argv of appNew.pre) expect((await run(argv)).exitCode).toBe(0);
    const app = await execa(appNew.ExecStart![0]!, appNew.ExecStart!.slice(1), { env: { ...testEnv(), NOTIFY_SOCKET: join(work, 'notify.sock') }, reject: false });
    expect(app.exitCode, app.stderr).toBe(0);
    const podId = readFileSync(join(testEnv().XDG_RUNTIME_DIR!, 'pod-upod.pod-id'), 'utf8');
    expect((await tspod(['ps', '--filter', `pod=${podId}`, '--format', '{{.Names}}'])).stdout.split('\n')).toContain('upod-app');
    expect((await run(appNew.ExecStop!)).exitCode).toBe(0);
    expect((await run(appNew.ExecStopPost!)).exitCode).toBe(0);
    expect((await run(podNew.ExecStop!)).exitCode).toBe(0);
    expect((await run(podNew.ExecStopPost!)).exitCode).toBe(0);
    expect((await tspod(['pod', 'exists', 'upod'])).exitCode).toBe(1);
  });

  it('refuses what it cannot do: an unknown policy, a bad --sdnotify, a cid file in use, --replace without --name', async () => {
    await tspod(['create', '--name', 'gen-bad', 'busybox', 'true']);
    expect((await tspod(['generate', 'systemd', '--restart-policy', 'sometimes', 'gen-bad'])).stderr).toContain('invalid --restart-policy "sometimes"');
    expect((await tspod(['run', '-d', '--sdnotify=bogus', 'busybox', 'true'])).stderr).toBe('Error: invalid --sdnotify "bogus": use conmon, container or ignore');
    const cid = join(work, 'used.ctr-id');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(cid, 'x');
    const inUse = await tspod(['run', '-d', `--cidfile=${cid}`, 'busybox', 'true']);
    expect(inUse.exitCode).toBe(125);
    expect(inUse.stderr).toContain(`container id file ${cid} exists`);
    expect((await tspod(['run', '-d', '--replace', 'busybox', 'true'])).stderr).toContain('--replace needs --name');
    await tspod(['rm', 'gen-bad']);
  });
});

// --sdnotify=container: the container notifies systemd itself, through a socket of its own that the
// monitor passes on (MAINPID= left out: tspod names the monitor), as podman's conmon does.
describe('--sdnotify=container', () => {
  it('gives the container /run/notify/notify.sock and passes what it sends on; tspod names the monitor as MAINPID', async () => {
    const sender = join(work, 'sd-notify-send');
    execFileSync('gcc', ['-static', '-O2', '-o', sender, join(root, 'test/fixtures/sd-notify-send.c')]);
    notified = '';
    const env = { ...testEnv(), NOTIFY_SOCKET: join(work, 'notify.sock') };
    const r = await tspod(['run', '-d', '--name', 'sdn-ctr', '--sdnotify=container', '--network', 'none', '-v', `${sender}:/sd-notify-send:ro`, 'busybox', 'sh', '-c',
      'echo "$NOTIFY_SOCKET"; sleep 1; /sd-notify-send "MAINPID=1\\nREADY=1\\nSTATUS=serving"; sleep 100'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    try {
      expect(await waitFor(() => notified.includes('STATUS=serving'), 15_000), notified).toBe(true);
      const messages = notified.split('--\n').map((m) => m.trim()).filter((m) => m && m !== 'BARRIER=1');
      const mainPid = Number(/^MAINPID=(\d+)$/.exec(messages[0]!)?.[1]);
      expect(readFileSync(`/proc/${mainPid}/comm`, 'utf8').trim()).toBe('tspod-monitor');
      // the container's own MAINPID is dropped, the rest passed on as it was sent
      expect(messages.slice(1)).toEqual(['READY=1\nSTATUS=serving']);
      expect((await tspod(['logs', 'sdn-ctr'])).stdout).toBe('/run/notify/notify.sock');
    } finally {
      await tspod(['rm', '-f', '-t', '0', 'sdn-ctr']);
    }
    // without NOTIFY_SOCKET (not under a unit) the container gets none, as podman
    const plain = await tspod(['run', '--rm', '--sdnotify=container', '--network', 'none', 'busybox', 'sh', '-c', 'echo "[$NOTIFY_SOCKET]"; test -e /run/notify && echo has-dir']);
    expect(plain.stdout).toBe('[]');
  });
});

// The READY datagram must outlive its sender: systemd attributes a notification to a unit by
// the sender's pid, so the sender waits (BARRIER=1 with a pipe fd, as sd_notify_barrier) until
// the manager has processed it. A fake manager holds the barrier fd until told to close it.
describe('--sdnotify=conmon waits until the notification was processed', () => {
  const barrierBin = join(work, 'notify-barrier');
  let server: ChildProcess | undefined;
  let out = '';
  beforeAll(async () => {
    execFileSync('gcc', ['-O2', '-o', barrierBin, join(root, 'test/fixtures/notify-barrier.c')]);
    server = spawn(barrierBin, [join(work, 'barrier.sock')], { stdio: ['pipe', 'pipe', 'inherit'] });
    server.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    expect(await waitFor(() => out.includes('listening'))).toBe(true);
  });
  afterAll(() => server?.kill());
  const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

  it('tspod-notify sends the message, then BARRIER=1 with one fd, and exits only once that fd is closed', async () => {
    out = '';
    const sender = execa(join(root, 'helpers-c/bin/tspod-notify'), ['READY=1\nMAINPID=4242'], { env: { NOTIFY_SOCKET: join(work, 'barrier.sock') }, reject: false });
    let ended = false;
    void sender.then(() => (ended = true));
    expect(await waitFor(() => /barrier \d+ \d+/.test(out)), out).toBe(true);
    expect(out).toContain('message READY=1 MAINPID=4242\n');
    const [, pid, nfds] = /barrier (\d+) (\d+)/.exec(out)!;
    expect(Number(pid)).toBe(sender.pid);
    expect(nfds).toBe('1');
    // Still there while the manager holds the fd.
    await new Promise((r) => setTimeout(r, 300));
    expect(ended).toBe(false);
    expect(alive(sender.pid!)).toBe(true);
    server!.stdin!.write('close\n');
    const r = await sender;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(out).toContain('closed');
  });

  it('run -d --sdnotify=conmon returns only after the barrier, having sent READY with the monitor as MAINPID', async () => {
    out = '';
    const run = tspod(['run', '-d', '--name', 'barrier-ctr', '--sdnotify=conmon', '--network', 'none', 'busybox', 'sleep', '1000'],
      { env: { ...testEnv(), NOTIFY_SOCKET: join(work, 'barrier.sock') } });
    let ended = false;
    void run.then(() => (ended = true));
    try {
      expect(await waitFor(() => /barrier \d+ 1/.test(out), 30_000), out).toBe(true);
      const mainPid = Number(/MAINPID=(\d+)/.exec(out)?.[1]);
      expect(readFileSync(`/proc/${mainPid}/comm`, 'utf8').trim()).toBe('tspod-monitor');
      expect(out).toMatch(/message READY=1 MAINPID=\d+\n/);
      await new Promise((r) => setTimeout(r, 300));
      expect(ended).toBe(false);
      server!.stdin!.write('close\n');
      const r = await run;
      expect(r.exitCode, r.stderr).toBe(0);
    } finally {
      if (!ended) server!.stdin!.write('close\n');
      await run;
      await tspod(['rm', '-f', '-t', '0', 'barrier-ctr']);
    }
  });
});

// scripts/test.sh starts a systemd user manager for the test user when it can (systemd-user.sh).
const sdRuntime = process.env.TSPOD_TEST_SYSTEMD_RUNTIME;
describe.skipIf(!sdRuntime)('under a real systemd --user (started by scripts/test.sh)', () => {
  const systemctl = (...args: string[]) => execa('systemctl', ['--user', ...args], { env: { ...process.env, XDG_RUNTIME_DIR: sdRuntime! }, reject: false });
  // The units run tspod with the suite's store and runtime directories.
  const envFlags = () => ['XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_RUNTIME_DIR'].flatMap((k) => ['-e', `${k}=${testEnv()[k]}`]);

  it('a --new container unit starts (notify, MainPID the monitor), runs the container, and stop removes it', async () => {
    await tspod(['create', '--name', 'sdsvc', 'busybox', 'sh', '-c', 'echo up; exec sleep 1000']);
    const dir = mkdtempSync(join(work, 'sd-'));
    expect((await tspod(['generate', 'systemd', '--new', '--name', '--files', '-t', '1', ...envFlags(), 'sdsvc'], { cwd: dir })).exitCode).toBe(0);
    const unit = join(dir, 'container-sdsvc.service');
    expect((await systemctl('link', unit)).exitCode).toBe(0);
    try {
      const start = await systemctl('start', 'container-sdsvc.service');
      expect(start.exitCode, start.stderr).toBe(0);
      expect((await systemctl('is-active', 'container-sdsvc.service')).stdout).toBe('active');
      const mainPid = Number((await systemctl('show', '-p', 'MainPID', '--value', 'container-sdsvc.service')).stdout);
      expect(readFileSync(`/proc/${mainPid}/comm`, 'utf8').trim()).toBe('tspod-monitor');
      expect((await tspod(['ps', '--filter', 'name=sdsvc', '--format', '{{.State}}'])).stdout).toBe('running');
      expect((await systemctl('stop', 'container-sdsvc.service')).exitCode).toBe(0);
      expect((await systemctl('is-active', 'container-sdsvc.service')).stdout).toBe('inactive');
      expect((await tspod(['ps', '-a', '--filter', 'name=sdsvc', '-q'])).stdout).toBe('');
    } finally {
      await systemctl('stop', 'container-sdsvc.service');
      await systemctl('disable', 'container-sdsvc.service');
    }
  });

  it('a pod\'s --new units: starting the member starts the pod first (BindsTo), stopping the pod stops both', async () => {
    await tspod(['pod', 'create', '--name', 'sdpod']);
    await tspod(['create', '--pod', 'sdpod', '--name', 'sdpod-app', 'busybox', 'sleep', '1000']);
    const dir = mkdtempSync(join(work, 'sdpod-'));
    expect((await tspod(['generate', 'systemd', '--new', '--name', '--files', '-t', '1', ...envFlags(), 'sdpod'], { cwd: dir })).exitCode).toBe(0);
    for (const u of ['pod-sdpod.service', 'container-sdpod-app.service']) expect((await systemctl('link', join(dir, u))).exitCode).toBe(0);
    try {
      const start = await systemctl('start', 'container-sdpod-app.service');
      expect(start.exitCode, start.stderr).toBe(0);
      expect((await systemctl('is-active', 'pod-sdpod.service')).stdout).toBe('active');
      expect(JSON.parse((await tspod(['pod', 'inspect', 'sdpod'])).stdout).State).toBe('Running');
      expect((await systemctl('stop', 'pod-sdpod.service')).exitCode).toBe(0);
      expect((await systemctl('is-active', 'container-sdpod-app.service')).stdout).toBe('inactive');
      expect((await tspod(['pod', 'exists', 'sdpod'])).exitCode).toBe(1);
    } finally {
      await systemctl('stop', 'container-sdpod-app.service', 'pod-sdpod.service');
      await systemctl('disable', 'container-sdpod-app.service', 'pod-sdpod.service');
    }
  });
});
