// start, stop, kill, wait, logs and the monitor's container-cleanup.
import { TspodError } from '../util/errors.js';
import { type Args, positionals, toArray} from './args.js';
import { withLatest } from './latest.js';
import { readIdFiles } from '../util/fs.js';

function refs(a: Args, verb: string): string[] {
  return positionals(a, verb, 1, Infinity, 'container name or ID');
}

/** Containers named on the command line and in --cidfile files (what systemd units pass), or
 * chosen by --all, --latest or --filter; with --ignore a missing file names none. */
export async function cidTargets(a: Args, verb: string): Promise<string[]> {
  const files = toArray(a.cidfile);
  const named = [...a.operands, ...readIdFiles(files, 'container', Boolean(a.ignore))];
  const filters = toArray(a.filter);
  if (!named.length && !files.length && !a.all && !a.latest && !filters.length) {
    // podman's words for each verb.
    const said: Record<string, string> = {
      start: 'start requires at least one argument', wait: '"tspod wait" requires a name, id, or the "--latest" flag',
      logs: 'specify at least one container name or ID to log',
    };
    throw new TspodError(said[verb] ?? 'you must provide at least one name or id');
  }
  const { selectContainers } = await import('../engine/containers.js');
  // podman: stop/kill/pause --all act on the running containers, start --all on the others.
  return selectContainers({
    refs: named, all: Boolean(a.all), latest: Boolean(a.latest), filters,
    allRunning: ['stop', 'kill', 'pause'].includes(verb), allStopped: verb === 'start',
  }, verb);
}

/** Run `fn` on each container; report errors podman's way and fail overall if any failed. */
async function each(list: string[], fn: (ref: string) => Promise<string | number | void>, ignoreMissing = false): Promise<number> {
  let code = 0;
  for (const ref of list) {
    try {
      const out = await fn(ref);
      if (out !== undefined) process.stdout.write(`${out}\n`);
    } catch (err) {
      if (ignoreMissing && /no such container/.test((err as Error).message)) continue;
      process.stderr.write(`Error: ${(err as Error).message}\n`);
      code = err instanceof TspodError ? err.exitCode : 125;
    }
  }
  return code;
}

/** A Go duration as podman's --interval takes it (250ms, 1s, 2m), or plain milliseconds. */
function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!m) throw new TspodError(`time: invalid duration "${text}"`);
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2] ?? 'ms']!;
}

export const start = async (a: Args): Promise<number | void> => {
  const targets = await cidTargets(a, 'start');
  const attach = Boolean(a.attach || a.interactive);
  if (a['sig-proxy'] === true && !attach) throw new TspodError('you cannot use sig-proxy without --attach');
  if (attach) {
    if (targets.length > 1) throw new TspodError('you cannot start and attach multiple containers at once');
    const { containerStartAttached } = await import('../engine/attach.js');
    // --sig-proxy (on by default when attaching): the signals tspod receives go to the container.
    if (a['sig-proxy'] !== false) {
      const { containerKill } = await import('../engine/containers.js');
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) {
        process.on(sig, () => void containerKill(targets[0]!, sig).catch(() => undefined));
      }
    }
    return containerStartAttached(targets[0]!, Boolean(a.interactive), String(a['detach-keys']), (stream, text) => (stream === 'stdout' ? process.stdout : process.stderr).write(text));
  }
  const { containerStart } = await import('../engine/containers.js');
  // podman answers each container as the user named it (its full id with --all/--filter/--latest).
  return each(targets, async (r) => (await containerStart(r), r));
};

export const stop = async (a: Args): Promise<number | void> => {
  const { containerStop } = await import('../engine/containers.js');
  return each(await cidTargets(a, 'stop'), async (r) => (await containerStop(r, a.time as number | undefined), r), Boolean(a.ignore));
};

export const kill = async (a: Args): Promise<number | void> => {
  // A bad signal is refused before any container is looked up (podman's order).
  (await import('../spec/signals.js')).parseSignal(String(a.signal));
  const { containerKill } = await import('../engine/containers.js');
  return each(await cidTargets(a, 'kill'), async (r) => (await containerKill(r, String(a.signal)), r), Boolean(a.ignore));
};

export const wait = async (a: Args): Promise<number | void> => {
  const { containerWait } = await import('../engine/containers.js');
  const conditions = toArray(a.condition);
  const interval = durationMs(String(a.interval ?? '250ms'));
  return each(await cidTargets(a, 'wait'), (r) => containerWait(r, conditions[0] ?? 'stopped', interval), Boolean(a.ignore));
};

export const logs = async (a: Args): Promise<number | void> => {
  const targets = await cidTargets(a, 'logs');
  const { containerLogs, containerLabel } = await import('../engine/containers.js');
  // Several containers: each line starts with the container's short id, or its name with --names.
  const multi = targets.length > 1;
  // --color: each container's prefix in a colour of its own (podman's ANSI cycle).
  const colors = ['\x1b[32m', '\x1b[33m', '\x1b[34m', '\x1b[35m', '\x1b[36m', '\x1b[31m'];
  const run = async (ref: string, i: number) => {
    const label = containerLabel(ref, Boolean(a.names));
    const prefix = multi ? (a.color ? `${colors[i % colors.length]}${label}\x1b[0m ` : `${label} `) : '';
    await containerLogs(ref, { follow: Boolean(a.follow), tail: a.tail as number | undefined, since: a.since as string | undefined, until: a.until as string | undefined, timestamps: Boolean(a.timestamps) },
      (e, text) => (e.stream === 'stdout' ? process.stdout : process.stderr).write(prefix + text));
  };
  if (a.follow) await Promise.all(targets.map(run));
  else for (const [i, t] of targets.entries()) await run(t, i);
  return 0;
};

export const attach = async (a: Args): Promise<number | void> => {
  if (a.latest && a.operands.length) throw new TspodError('--latest and containers cannot be used together');
  const [ref, extra] = a.latest ? await withLatest(a) : refs(a, 'attach');
  if (extra) throw new TspodError('tspod attach takes one container');
  const { containerAttach } = await import('../engine/attach.js');
  return containerAttach(ref!, String(a['detach-keys']), { noStdin: Boolean(a['no-stdin']), sigProxy: a['sig-proxy'] !== false });
};

export const pause = async (a: Args): Promise<number | void> => {
  const { containerPause } = await import('../engine/containers.js');
  return each(await cidTargets(a, 'pause'), async (r) => containerPause(r, true));
};

export const unpause = async (a: Args): Promise<number | void> => {
  const { containerPause } = await import('../engine/containers.js');
  return each(await cidTargets(a, 'unpause'), async (r) => containerPause(r, false));
};

export const stats = async (a: Args): Promise<number | void> => {
  // podman checks its arguments before it looks at the host
  if ((a.all || a.latest) && a.operands.length) throw new TspodError('--all, --latest and containers cannot be used together');
  const { statsUnsupported } = await import('../engine/containers.js');
  statsUnsupported(a.command === 'pod stats' ? 'pod stats' : 'stats');
};

export const init = async (a: Args): Promise<number | void> => {
  const { containerInit } = await import('../engine/containers.js');
  return each(await cidTargets(a, 'init'), async (r) => (containerInit(r), r));
};

export const prune = async (a: Args): Promise<number | void> => {
  if (!a.force && !process.stdin.isTTY) throw new TspodError('tspod container prune removes all stopped containers: add --force to confirm');
  const { containerPrune } = await import('../engine/containers.js');
  const removed = await containerPrune(toArray(a.filter));
  process.stdout.write(removed.map((r) => `${r.id}\n`).join(''));
  return 0;
};
