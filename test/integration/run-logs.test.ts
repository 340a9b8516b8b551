// issue 12: run's log drivers in the foreground as with -d (podman's conmon logs both): k8s-file
// (and json-file, its other name) while tspod shows the output, -a leaving a stream out of the
// terminal but not out of the log, a terminal's output, logs -f of a foreground container; the
// journald driver, refused as podman refuses it where no journal runs, and its entries as a journal
// receives them (a stand-in socket: these machines run no systemd-journald). Budget: about 25 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { afterAll, describe, expect, it } from 'vitest';
import { containerDirs, testEnv, tspod, tspodBin, waitFor } from './helpers.js';

const none = ['--network', 'none'];
const tmp = mkdtempSync(join(tmpdir(), 'tspod-logs-'));
const logPath = async (ref: string) => (await tspod(['inspect', '--format', '{{.HostConfig.LogConfig.Path}}', ref])).stdout;

afterAll(async () => {
  await tspod(['rm', '-a', '-f', '-t', '0']);
});

describe('a foreground run keeps its log', () => {
  it('k8s-file: stdout and stderr lines, a last partial line, while tspod shows them; logs reads them', async () => {
    const r = await tspod(['run', '--name', 'fg', ...none, 'busybox', 'sh', '-c', 'echo out; echo err >&2; printf partial']);
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, 'out\npartial', 'err']);
    const lines = readFileSync(await logPath('fg'), 'utf8').split('\n');
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual(['stdout F out', 'stderr F err', 'stdout P partial', '']);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}\+00:00 /);
    const l = await tspod(['logs', 'fg']);
    expect([l.stdout, l.stderr]).toEqual(['out\npartial', 'err']);
    // a second start appends, as the monitor does
    expect((await tspod(['start', '-a', 'fg'])).exitCode).toBe(0);
    expect((await tspod(['logs', 'fg'])).stdout).toBe('out\npartialout\npartial');
  });

  it('-a stderr: stdout is logged, every byte of it, though not shown', async () => {
    const r = await tspod(['run', '--name', 'big', '-a', 'stderr', ...none, 'busybox', 'dd', 'if=/dev/zero', 'count=300000', 'bs=1']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').slice(0, 2)).toEqual(['300000+0 records in', '300000+0 records out']);
    const log = readFileSync(await logPath('big'), 'latin1').split('\n').filter((l) => l.includes(' stdout '));
    const zeros = log.map((l) => l.replace(/^\S+ stdout [FP] /, '')).join('');
    expect(zeros.length).toBe(300000);
    expect(/^\0+$/.test(zeros)).toBe(true);
  });

  it('json-file is k8s-file by its old name: inspect shows the name given; max-size bounds a foreground log too', async () => {
    const r = await tspod(['run', '--name', 'jf', ...none, '--log-driver', 'json-file', 'busybox', 'echo', 'hi']);
    expect([r.exitCode, r.stdout]).toEqual([0, 'hi']);
    expect((await tspod(['inspect', '--format', '{{.HostConfig.LogConfig.Type}}', 'jf'])).stdout).toBe('json-file');
    expect(readFileSync(await logPath('jf'), 'utf8')).toMatch(/^\S+ stdout F hi\n$/);
    expect((await tspod(['logs', 'jf'])).stdout).toBe('hi');
    const m = await tspod(['run', '--name', 'capped', ...none, '--log-opt', 'max-size=1k', 'busybox', 'sh', '-c', 'seq 1 400']);
    expect(m.stdout.split('\n')).toHaveLength(400);
    expect(statSync(await logPath('capped')).size).toBeLessThanOrEqual(1000);
    expect((await tspod(['logs', 'capped'])).stdout).toMatch(/\n400$/);
  });

  it('none and --rm: nothing kept; the container and its log are gone after --rm', async () => {
    const n = await tspod(['run', '--name', 'nolog', ...none, '--log-driver', 'none', 'busybox', 'echo', 'hi']);
    expect([n.exitCode, n.stdout]).toEqual([0, 'hi']);
    expect((await tspod(['logs', 'nolog'])).exitCode).toBe(125);
    const before = containerDirs().length;
    const rm = await tspod(['run', '--rm', ...none, 'busybox', 'echo', 'gone']);
    expect([rm.exitCode, rm.stdout]).toEqual([0, 'gone']);
    expect(containerDirs().length).toBe(before);
  });

  it('a terminal: the log has the lines without carriage returns', async () => {
    const term = pty.spawn(tspodBin, ['run', '-t', '--name', 'tlog', ...none, 'busybox', 'sh', '-c', 'echo line1; echo line2'], { cols: 80, rows: 24, env: testEnv() });
    let shown = '';
    term.onData((d) => (shown += d));
    const exit = await new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    expect(exit).toBe(0);
    expect(shown).toContain('line1\r\nline2\r\n');
    expect(readFileSync(await logPath('tlog'), 'utf8').split('\n').map((l) => l.replace(/^\S+ /, ''))).toEqual(['stdout F line1', 'stdout F line2', '']);
    expect((await tspod(['logs', 'tlog'])).stdout).toBe('line1\nline2');
  });

  it('logs -f follows a foreground container until it exits', async () => {
    const fg = tspod(['run', '--name', 'follow', ...none, 'busybox', 'sh', '-c', 'echo first; sleep 5; echo second']);
    expect(await waitFor(async () => (await tspod(['logs', 'follow'])).stdout === 'first')).toBe(true);
    let ran = false;
    void fg.then(() => (ran = true));
    const f = tspod(['logs', '-f', 'follow']);
    await new Promise((r) => setTimeout(r, 200));
    expect(ran).toBe(false); // logs -f started while the container still ran
    expect((await f).stdout).toBe('first\nsecond');
    expect((await fg).stdout).toBe('first\nsecond');
  });
});

/** A stand-in for systemd-journald: a datagram socket whose datagrams python writes out, one per
 * line in hex (node has no unix datagram sockets). */
function fakeJournal(): { path: string; proc: ChildProcess; entries: () => Array<Record<string, string>> } {
  const path = join(tmp, 'journal.sock');
  const out = join(tmp, 'journal.out');
  const script = 'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nf=open(sys.argv[2],"w")\n' +
    'while True:\n  d=s.recv(1<<20)\n  f.write(d.hex()+"\\n")\n  f.flush()\n';
  const proc = spawn('/usr/bin/python3', ['-c', script, path, out], { stdio: 'ignore' });
  const entries = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).map((h) => parseEntry(Buffer.from(h, 'hex'))) : []);
  return { path, proc, entries };
}

/** The journal's native protocol: KEY=VALUE\n, or KEY\n, a 64-bit little-endian length, the value, \n. */
function parseEntry(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < b.length) {
    const nl = b.indexOf(10, i);
    const head = b.subarray(i, nl).toString('latin1');
    const eq = head.indexOf('=');
    if (eq >= 0) {
      out[head.slice(0, eq)] = head.slice(eq + 1);
      i = nl + 1;
    } else {
      const len = Number(b.readBigUInt64LE(nl + 1));
      out[head] = b.subarray(nl + 9, nl + 9 + len).toString('latin1');
      expect(b[nl + 9 + len]).toBe(10);
      i = nl + 10 + len;
    }
  }
  return out;
}

describe('--log-driver journald', () => {
  it('is refused where no journal runs, with podman\'s words, and nothing is left', async () => {
    const before = containerDirs().length;
    const r = await tspod(['run', '--name', 'nojournal', ...none, '--log-driver', 'journald', 'busybox', 'true'], { env: { ...testEnv(), TSPOD_JOURNAL_SOCKET: join(tmp, 'absent.sock') } });
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/^Error: failed to initialize journal: write unixgram ->\S+absent\.sock: sendmsg: no such file or directory\n.*--log-driver k8s-file/);
    expect(containerDirs().length).toBe(before);
  });

  it('sends each line with the container\'s fields, in the foreground and with -d', async () => {
    const j = fakeJournal();
    try {
      expect(await waitFor(() => existsSync(j.path))).toBe(true);
      const env = { ...testEnv(), TSPOD_JOURNAL_SOCKET: j.path };
      const r = await tspod(['run', '--name', 'jfg', ...none, '--log-driver', 'journald', '--log-opt', 'tag=mytag', 'busybox', 'sh', '-c', 'echo to-out; echo to-err >&2'], { env });
      expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, 'to-out', 'to-err']);
      const id = (await tspod(['inspect', '--format', '{{.Id}}', 'jfg'])).stdout;
      expect(await logPath('jfg')).toBe('');
      const d = await tspod(['run', '-d', '--name', 'jbg', ...none, '--log-driver', 'journald', 'busybox', 'echo', 'from-detached'], { env });
      expect(d.exitCode, d.stderr).toBe(0);
      await tspod(['wait', 'jbg']);
      expect(await waitFor(() => j.entries().length === 3)).toBe(true);
      const [out, err, det] = j.entries().sort((a, b) => (a.MESSAGE! < b.MESSAGE! ? -1 : 1)).reverse();
      expect(out).toEqual({ CONTAINER_ID: id.slice(0, 12), CONTAINER_ID_FULL: id, CONTAINER_NAME: 'jfg', CONTAINER_TAG: 'mytag', SYSLOG_IDENTIFIER: 'mytag', PRIORITY: '6', MESSAGE: 'to-out' });
      expect([err!.MESSAGE, err!.PRIORITY, err!.CONTAINER_NAME]).toEqual(['to-err', '3', 'jfg']);
      expect([det!.MESSAGE, det!.CONTAINER_ID_FULL, det!.SYSLOG_IDENTIFIER, det!.CONTAINER_TAG]).toEqual(['from-detached', d.stdout, d.stdout.slice(0, 12), undefined]);
    } finally {
      j.proc.kill();
    }
  });
});
