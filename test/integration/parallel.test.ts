// Many short `run --rm` at once: each must print its output and end with its
// status. (A container that exited before its waiter listened for SIGCHLD once
// stayed a zombie and its `tspod run` never returned.) Budget: ~15 s idle; up to 4 min on failure.
import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { containerProcesses, storeMounts, tspod, userProcesses, waitFor } from './helpers.js';

/** Zombies whose parent is a tspod-wait: the signature of the lost-SIGCHLD hang (vs mere slowness). */
function zombiesUnderWaiters(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' && readFileSync(`/proc/${ppid}/comm`, 'utf8').trim() === 'tspod-wait') out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

const runs = 50;
// Generous on purpose: 50 Node start-ups and container set-ups share 2 cores (~15 s for
// all of them on an idle 2-core VM; a loaded one took over 60 s). A hung run never ends:
// one that has not ended by then counts as hung; it is killed, not waited for.
const boundMs = 120_000;

afterAll(async () => {
  for (const p of userProcesses(containerProcesses)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

describe('parallel load', () => {
  it(`${runs} parallel run --rm --network none: every one prints its output and returns its status`, async () => {
    const all = await Promise.all(Array.from({ length: runs }, (_, i) =>
      tspod(['run', '--rm', '--name', `par-${i}`, '--network', 'none', 'busybox', 'sh', '-c', `echo ok-${i}; exit ${i % 3}`], { timeout: boundMs, killSignal: 'SIGKILL' })));
    const summary = all.map((r, i) => ({ i, exitCode: r.exitCode, timedOut: r.timedOut, stdout: r.stdout, stderr: r.stderr.slice(0, 300) }));
    const bad = summary.filter((r) => r.timedOut || r.exitCode !== r.i % 3 || r.stdout !== `ok-${r.i}`);
    expect(bad, `zombie containers under a tspod-wait: ${zombiesUnderWaiters().length}`).toEqual([]);
    // Nothing is left running, mounted or recorded.
    expect(await waitFor(() => userProcesses(containerProcesses).length === 0, 10_000)).toBe(true);
    expect(storeMounts()).toEqual([]);
    const ps = await tspod(['ps', '-a', '--filter', 'name=par-', '-q']);
    expect(ps.stdout).toBe('');
  }, 240_000);
});
