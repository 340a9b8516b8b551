// `tspod healthcheck run CTR`: the container's healthcheck run once through `tspod exec`, its result
// kept beside the record (health.json, reset at each start), and podman's --health-on-failure
// actions. No timers: podman runs checks from systemd timers; here they run when asked (docs/cli.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../config/paths.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { healthArgv, nextHealth, type HealthConfig, type HealthState } from '../spec/health.js';
import { openStore } from './store.js';

interface HealthFile { startedAt: string; health: HealthState }

function healthPath(store: Store, id: string): string {
  return join(store.containers.dir(id), 'health.json');
}

/** The health of the container's current start (undefined: it has no healthcheck, or never started). */
export function containerHealth(store: Store, id: string, startedAt: string | undefined): HealthState | undefined {
  try {
    const f = JSON.parse(readFileSync(healthPath(store, id), 'utf8')) as HealthFile;
    return f.startedAt === startedAt ? f.health : { Status: 'starting', FailingStreak: 0, Log: [] };
  } catch {
    return undefined;
  }
}

/** At each start of a container with a healthcheck: "starting". */
export function resetHealth(store: Store, id: string, startedAt: string): void {
  writeFileAtomic(healthPath(store, id), JSON.stringify({ startedAt, health: { Status: 'starting', FailingStreak: 0, Log: [] } } satisfies HealthFile) + '\n', 0o600);
}

export async function healthcheckRun(ref: string): Promise<'healthy' | 'unhealthy'> {
  const store = openStore();
  const { findContainerIn, liveState, containerKill, containerStop, containerStart } = await import('./containers.js');
  let rec;
  try {
    rec = findContainerIn(store, ref);
  } catch (err) {
    throw new TspodError(`unable to look up ${ref} to perform a health check: ${(err as Error).message}`);
  }
  const hc = rec.config.healthcheck as HealthConfig | undefined;
  if (!hc) throw new TspodError(`container ${rec.id} has no defined healthcheck`);
  const live = liveState(rec, store);
  if (live.state.status !== 'running') throw new TspodError(`container ${rec.id} is not running`);
  const start = new Date();
  const r = process.getBuiltinModule('node:child_process').spawnSync(join(packageRoot(), 'bin', 'tspod'), ['exec', rec.id, ...healthArgv(hc.Test)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: hc.Timeout ? hc.Timeout / 1e6 : undefined, killSignal: 'SIGKILL',
  });
  const exitCode = r.status === null ? 1 : r.status === 0 ? 0 : 1;
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.slice(0, 4096) + (r.error || r.signal ? (r.signal ? 'healthcheck command exceeded timeout' : '') : '');
  const startedAt = live.state.startedAt ?? '';
  const inStart = !!hc.StartPeriod && Date.now() - Date.parse(startedAt) < hc.StartPeriod / 1e6;
  const health = nextHealth(containerHealth(store, rec.id, startedAt), { start: start.toISOString(), end: new Date().toISOString(), exitCode, output }, hc.Retries ?? 3, inStart);
  writeFileAtomic(healthPath(store, rec.id), JSON.stringify({ startedAt, health } satisfies HealthFile) + '\n', 0o600);
  if (health.Status === 'unhealthy') {
    const action = rec.config.healthOnFailure ?? 'none';
    if (action === 'kill') await containerKill(rec.id, 'KILL');
    else if (action === 'stop') await containerStop(rec.id);
    else if (action === 'restart') {
      await containerStop(rec.id);
      await containerStart(rec.id);
    }
  }
  return exitCode === 0 ? 'healthy' : 'unhealthy';
}
