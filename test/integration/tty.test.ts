// `tspod run -it`, `exec -it` and `run -dit` + `attach` driven through a real
// terminal (node-pty): the container's own /dev/pts/0, typing, window size,
// Ctrl-C, job control, raw output ("\r\n" once) and the exit status.
import { afterEach, describe, expect, it } from 'vitest';
import * as pty from 'node-pty';
import { containerProcesses, testEnv, tspod, tspodBin, userProcesses, waitFor } from './helpers.js';

const open: Terminal[] = [];

afterEach(async () => {
  // A failed test must not leave its container running for the next one.
  for (const t of open.splice(0)) t.kill();
  expect(await waitFor(() => userProcesses(containerProcesses).length === 0, 5000)).toBe(true);
});

class Terminal {
  output = '';
  exit: Promise<{ exitCode: number; signal?: number }>;
  private term: pty.IPty;

  constructor(args: string[]) {
    this.term = pty.spawn(tspodBin, args, { cols: 80, rows: 24, env: testEnv() });
    this.term.onData((d) => (this.output += d));
    this.exit = new Promise((resolve) => this.term.onExit(resolve));
    open.push(this);
  }

  kill(): void {
    try {
      this.term.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }

  type(s: string): void {
    this.term.write(s);
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /** Wait until the output after `from` matches `re`. */
  async expect(re: RegExp, from = 0): Promise<string> {
    const ok = await waitFor(() => re.test(this.output.slice(from)), 15_000);
    if (!ok) throw new Error(`terminal never showed ${re}; it shows:\n${this.output}`);
    return this.output;
  }
}

describe('run -it', () => {
  it('gives an interactive shell with job control, window size, Ctrl-C and the exit status', async () => {
    const t = new Terminal(['run', '--rm', '-it', '--network', 'none', 'busybox', 'sh']);
    await t.expect(/\/ # /);
    let mark = t.output.length;
    t.type('echo $((6*7))\r');
    await t.expect(/\n42\r*\n/, mark);

    mark = t.output.length;
    t.type('stty size\r');
    await t.expect(/\n24 80\r*\n/, mark);
    t.resize(100, 30);
    await new Promise((r) => setTimeout(r, 200));
    mark = t.output.length;
    t.type('stty size\r');
    await t.expect(/\n30 100\r*\n/, mark);

    mark = t.output.length;
    t.type('sleep 100\r');
    await new Promise((r) => setTimeout(r, 300));
    t.type('\x03');
    t.type('echo after-ctrl-c\r');
    await t.expect(/\nafter-ctrl-c\r*\n/, mark);

    mark = t.output.length;
    t.type('sleep 50 &\r');
    t.type('jobs\r');
    await t.expect(/\[1\]\+\s+Running\s+sleep 50/, mark);
    t.type('kill %1\r');

    t.type('exit 5\r');
    const { exitCode } = await t.exit;
    expect(exitCode).toBe(5);
    // The host terminal is fully raw: the container's pty alone turns \n into \r\n.
    expect(t.output).not.toContain('\r\r\n');
  });

  it('gives the container a terminal of its own devpts, so tty and ttyname() work', async () => {
    const t = new Terminal(['run', '--rm', '-it', '--network', 'none', 'busybox', 'sh', '-c', 'tty; ls -l /proc/self/fd/0; printf "a\\nb\\n"']);
    expect((await t.exit).exitCode).toBe(0);
    expect(t.output).toMatch(/^\/dev\/pts\/0\r\n/m);
    expect(t.output).not.toContain('not a tty');
    expect(t.output).toContain('-> /dev/pts/0');
    expect(t.output).toContain('a\r\nb\r\n');
    expect(t.output).not.toContain('\r\r\n');
  });

  it('gives a non-root user its terminal', async () => {
    const t = new Terminal(['run', '--rm', '-it', '-u', '1000:1000', '--network', 'none', 'busybox', 'sh', '-c', 'tty && stat -c "%u %g" $(tty) && echo hi > /dev/tty']);
    expect((await t.exit).exitCode).toBe(0);
    expect(t.output).toContain('/dev/pts/0\r\n1000 1000\r\nhi\r\n');
  });

  it('-t without -i still gives a terminal, with no input', async () => {
    const t = new Terminal(['run', '--rm', '-t', '--network', 'none', 'busybox', 'sh', '-c', 'test -t 0 && test -t 1 && echo is-a-tty']);
    expect((await t.exit).exitCode).toBe(0);
    expect(t.output).toContain('is-a-tty');
  });
});

describe('exec -it and attach', () => {
  const names: string[] = [];
  afterEach(async () => {
    if (names.length) await tspod(['rm', '-f', ...names.splice(0)]);
  });

  it('exec -it: a terminal in the container, its size, Ctrl-C and the exit status', async () => {
    const name = `tty-exec-${process.pid}`;
    names.push(name);
    expect((await tspod(['run', '-d', '--name', name, '--network', 'none', 'busybox', 'sleep', '1000'])).exitCode).toBe(0);
    const t = new Terminal(['exec', '-it', name, 'sh']);
    await t.expect(/\/ # /);
    let mark = t.output.length;
    t.type('tty; stty size\r');
    await t.expect(/\n\/dev\/pts\/0\r\n24 80\r\n/, mark);
    t.resize(90, 33);
    await new Promise((r) => setTimeout(r, 200));
    mark = t.output.length;
    t.type('stty size\r');
    await t.expect(/\n33 90\r\n/, mark);
    mark = t.output.length;
    t.type('sleep 100\r');
    await new Promise((r) => setTimeout(r, 300));
    t.type('\x03');
    t.type('echo after-ctrl-c\r');
    await t.expect(/\nafter-ctrl-c\r\n/, mark);
    t.type('exit 3\r');
    expect((await t.exit).exitCode).toBe(3);
    expect(t.output).not.toContain('\r\r\n');
  });

  it("run -dit, then attach: the container's terminal, resize, Ctrl-C, detach keys", async () => {
    const name = `tty-attach-${process.pid}`;
    names.push(name);
    expect((await tspod(['run', '-dit', '--name', name, '--network', 'none', 'busybox', 'sh'])).exitCode).toBe(0);
    const t = new Terminal(['attach', name]);
    await new Promise((r) => setTimeout(r, 300));
    let mark = t.output.length;
    t.type('tty; stty size\r');
    await t.expect(/\n\/dev\/pts\/0\r\n24 80\r\n/, mark);
    t.resize(100, 30);
    await new Promise((r) => setTimeout(r, 200));
    mark = t.output.length;
    t.type('stty size\r');
    await t.expect(/\n30 100\r\n/, mark);
    mark = t.output.length;
    t.type('sleep 100\r');
    await new Promise((r) => setTimeout(r, 300));
    t.type('\x03');
    t.type('echo after-ctrl-c\r');
    await t.expect(/\nafter-ctrl-c\r\n/, mark);
    t.type('\x10\x11');
    expect((await t.exit).exitCode).toBe(0);
    expect(t.output).not.toContain('\r\r\n');
    const ps = await tspod(['ps', '--format', '{{.Names}}']);
    expect(ps.stdout.split('\n')).toContain(name);
    // Attached again, the shell's exit ends attach with its status.
    const u = new Terminal(['attach', name]);
    await new Promise((r) => setTimeout(r, 300));
    u.type('exit 6\r');
    expect((await u.exit).exitCode).toBe(6);
  });
});
