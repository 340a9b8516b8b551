// issue 12: detached containers without a terminal. run -d -i and create -i keep the container's
// stdin open (a shell waits on it instead of exiting); attach passes the output streams apart
// (stdout, stderr) and input until its own ends, which closes the container's stdin, as podman's
// attach; the detach keys leave it open; start -a -i misses none of the output. Budget: about 15 s.
import { afterAll, describe, expect, it } from 'vitest';
import { tspod, waitFor } from './helpers.js';

const none = ['--network', 'none'];
const status = async (ref: string) => (await tspod(['inspect', '--format', '{{.State.Status}}', ref])).stdout;

afterAll(async () => {
  await tspod(['rm', '-a', '-f', '-t', '0']);
});

describe('run -d -i, create -i and attach without a terminal', () => {
  it('-d -i keeps stdin open; attach sends its input, and the end of it closes the container\'s stdin', async () => {
    const r = await tspod(['run', '-d', '-i', '--name', 'cat1', ...none, 'busybox', 'cat']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await status('cat1')).toBe('running');
    // the detach keys end the attach and leave the container (and its stdin) as they were
    const d = await tspod(['attach', 'cat1'], { stdin: undefined, input: 'typed\n\x10\x11' });
    expect(d.exitCode).toBe(0); // (cat's echo may come after the attach has left: the log has it)
    expect(await waitFor(async () => (await tspod(['logs', 'cat1'])).stdout === 'typed')).toBe(true);
    expect(await status('cat1')).toBe('running');
    const a = await tspod(['attach', 'cat1'], { stdin: undefined, input: 'hello\nworld\n' });
    expect([a.exitCode, a.stdout]).toEqual([0, 'hello\nworld']);
    expect(await waitFor(async () => (await status('cat1')) === 'exited')).toBe(true);
    expect((await tspod(['logs', 'cat1'])).stdout).toBe('typed\nhello\nworld');
  });

  it('without -i stdin stays /dev/null; attach shows stdout and stderr apart and returns the exit code', async () => {
    const r = await tspod(['run', '-d', '--name', 'talk', ...none, 'busybox', 'sh', '-c', 'read x; echo "read:$x:$?"; sleep 5; echo out; echo err >&2; exit 3']); // 5 s for the attach to connect, even on a loaded machine
    expect(r.exitCode).toBe(0);
    const a = await tspod(['attach', 'talk'], { stdin: undefined, input: 'ignored\n' });
    expect([a.exitCode, a.stdout, a.stderr]).toEqual([3, 'out', 'err']);
    expect((await tspod(['logs', 'talk'])).stdout).toBe('read::1\nout');
  });

  it('create -i, then start -a -i: the output from before the input is not missed; the exit code', async () => {
    expect((await tspod(['create', '-i', '--name', 'ask', ...none, 'busybox', 'sh', '-c', 'echo question; read x; echo "answer:$x"; exit 4'])).exitCode).toBe(0);
    const s = await tspod(['start', '-a', '-i', 'ask'], { stdin: undefined, input: '42\n' });
    expect([s.exitCode, s.stdout]).toEqual([4, 'question\nanswer:42']);
    // a container created without -i: start -a -i says why it cannot pass input
    await tspod(['create', '--name', 'noin', ...none, 'busybox', 'true']);
    const n = await tspod(['start', '-a', '-i', 'noin']);
    expect([n.exitCode, n.stderr]).toEqual([125, expect.stringContaining('was created without -i')]);
  });
});

describe('attach clients cannot hold the monitor', () => {
  it('clients flooding a container that reads no input, or that stop reading its output: the container, its log and stop go on', async () => {
    const r = await tspod(['run', '-d', '-i', '--name', 'flood', ...none, 'busybox', 'sh', '-c', 'while :; do echo tick; sleep 0.05; done']);
    expect(r.exitCode, r.stderr).toBe(0);
    // three clients each pushing 3 MB at a container that never reads its stdin, killed after 2 s
    const big = 'x'.repeat(3 << 20);
    await Promise.all([0, 1, 2].map(() => tspod(['attach', 'flood'], { stdin: undefined, input: big, timeout: 2000, killSignal: 'SIGKILL' })));
    const before = (await tspod(['logs', 'flood'])).stdout.split('\n').length;
    expect(await waitFor(async () => (await tspod(['logs', 'flood'])).stdout.split('\n').length > before + 5)).toBe(true);
    expect(await status('flood')).toBe('running');
    const s = await tspod(['stop', '-t', '1', 'flood']);
    expect(s.exitCode, s.stderr).toBe(0);
    expect((await tspod(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'flood'])).stdout).toMatch(/^exited (137|143)$/);
  });
});
