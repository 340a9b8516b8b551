// Signals sent to tspod reach the container, and nothing is left behind
// when the container is killed or tspod itself is killed with SIGKILL.
import { afterEach, describe, expect, it } from 'vitest';
import { containerProcesses, storeMounts, tspod, userProcesses, waitFor } from './helpers.js';

const started: Array<ReturnType<typeof tspod>> = [];

afterEach(async () => {
  // A failed test must not leave its container running for the next one.
  for (const p of started.splice(0)) p.kill('SIGKILL');
  expect(await waitFor(() => userProcesses(containerProcesses).length === 0, 5000)).toBe(true);
  expect(storeMounts()).toEqual([]);
});

function startUntilReady(args: string[]) {
  const proc = tspod(args, { timeout: 30_000 });
  started.push(proc);
  const ready = new Promise<void>((resolve) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
  });
  return { proc, ready };
}

const trapScript = 'trap "echo got-$SIG; exit 7" $SIG; echo ready; while true; do sleep 0.1; done';

describe('signals', () => {
  it.each(['TERM', 'INT', 'HUP'])('forwards SIG%s to the container', async (sig) => {
    const { proc, ready } = startUntilReady(['run', '--rm', '--network', 'none', '-e', `SIG=${sig}`, 'busybox', 'sh', '-c', trapScript]);
    await ready;
    proc.kill(`SIG${sig}` as NodeJS.Signals);
    const r = await proc;
    expect(r.stdout).toContain(`got-${sig}`);
    expect(r.exitCode).toBe(7);
  });

  it('a bad signal is refused before the container is looked up, in podman\'s words (kill, pod kill, --stop-signal)', async () => {
    for (const args of [['kill', '-s', 'BADSIG', 'nosuch'], ['pod', 'kill', '-s', 'BADSIG', 'nosuch']]) {
      const r = await tspod(args);
      expect([r.exitCode, r.stderr]).toEqual([125, 'Error: invalid signal: BADSIG']);
    }
    const r = await tspod(['create', '--stop-signal=99', 'busybox']);
    expect([r.exitCode, r.stderr]).toEqual([125, 'Error: valid signals are 1 through 64']);
  });

  it('forwards signals through --init to the command', async () => {
    const { proc, ready } = startUntilReady(['run', '--rm', '--network', 'none', '--init', '-e', 'SIG=TERM', 'busybox', 'sh', '-c', trapScript]);
    await ready;
    proc.kill('SIGTERM');
    const r = await proc;
    expect(r.stdout).toContain('got-TERM');
    expect(r.exitCode).toBe(7);
  });

  it('--init reaps orphaned zombies', async () => {
    const r = await tspod(['run', '--rm', '--network', 'none', '--init', 'busybox', 'sh', '-c',
      '(sleep 0.2 &) ; sleep 0.6; ps -o stat,args | grep -c "^Z" || true']);
    expect(r.stdout.trim()).toBe('0');
  });
});

describe('nothing left behind', () => {
  it('after SIGKILL of tspod itself: no helper, fuse-overlayfs, slirp4netns or container process, and ps does not hang', async () => {
    // fuse-overlayfs named, so that its process is among those that must go (native overlay is the default here).
    const { proc, ready } = startUntilReady(['--storage-opt', 'overlay.mount_program=/usr/bin/fuse-overlayfs', 'run', '--name', 'killed', 'busybox', 'sh', '-c', 'echo ready; exec sleep 1000']);
    await ready;
    expect(await waitFor(() => userProcesses(['sleep']).length === 1)).toBe(true);
    // In front of tspod the helper stays tspod-launch: it relays the container's stdio.
    expect(userProcesses(['fuse-overlayfs', 'slirp4netns', 'tspod-launch', 'sleep']).map((p) => p.comm).sort())
      .toEqual(['fuse-overlayfs', 'sleep', 'slirp4netns', 'tspod-launch']);
    proc.kill('SIGKILL');
    await proc.catch(() => undefined);
    expect(await waitFor(() => userProcesses(containerProcesses).length === 0, 5000)).toBe(true);
    const ps = await tspod(['ps', '-a', '--format', '{{.Names}} {{.State}}'], { timeout: 10_000 });
    expect(ps.stdout).toBe('killed exited');
    expect((await tspod(['rm', 'killed'])).exitCode).toBe(0);
  });

  it('after the container is killed from outside', async () => {
    const { proc, ready } = startUntilReady(['run', '--rm', 'busybox', 'sh', '-c', 'echo ready; exec sleep 1000']);
    await ready;
    // "ready" comes just before the exec: wait for the sleep itself.
    expect(await waitFor(() => userProcesses(['sleep']).length === 1)).toBe(true);
    const sleeper = userProcesses(['sleep'])[0]!;
    process.kill(sleeper.pid, 'SIGKILL');
    const r = await proc;
    expect(r.exitCode).toBe(137);
  });
});
