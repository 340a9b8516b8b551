// `tspod run -it` driven through a real terminal (node-pty): typing,
// window size, Ctrl-C, job control and the exit status.
import { afterEach, describe, expect, it } from 'vitest';
import * as pty from 'node-pty';
import { containerProcesses, testEnv, tspodBin, userProcesses, waitFor } from './helpers.js';

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
  });

  it('-t without -i still gives a terminal, with no input', async () => {
    const t = new Terminal(['run', '--rm', '-t', '--network', 'none', 'busybox', 'sh', '-c', 'test -t 0 && test -t 1 && echo is-a-tty']);
    expect((await t.exit).exitCode).toBe(0);
    expect(t.output).toContain('is-a-tty');
  });
});
