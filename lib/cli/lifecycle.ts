// start, stop, kill, wait, logs and the monitor's container-cleanup.
import { TspodError } from '../util/errors.js';
import { type Args, positionals, toArray } from './args.js';
import { readIdFiles } from '../util/fs.js';

function refs(a: Args, verb: string): string[] {
  return positionals(a, verb, 1, Infinity, 'container name or ID');
}

/** Containers named on the command line and in --cidfile files (what systemd units pass);
 * with --ignore a missing file names none. */
export function cidTargets(a: Args, verb: string): string[] {
  const files = toArray(a.cidfile);
  const named = a.operands;
  if (!named.length && !files.length && !a.all) throw new TspodError(`tspod ${verb} needs at least one container name or ID (or --cidfile)`);
  return [...named, ...readIdFiles(files, 'container', Boolean(a.ignore))];
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

export const start = async (a: Args): Promise<number | void> => {
  if (a.attach || a.interactive) {
    const [ref, extra] = refs(a, 'start');
    if (extra) throw new TspodError('tspod start -a takes one container');
    const { containerStartAttached } = await import('../engine/attach.js');
    return containerStartAttached(ref!, Boolean(a.interactive), String(a['detach-keys']), (stream, text) => (stream === 'stdout' ? process.stdout : process.stderr).write(text));
  }
  const { containerStart } = await import('../engine/containers.js');
  return each(refs(a, 'start'), async (r) => (await containerStart(r), r));
};

export const stop = async (a: Args): Promise<number | void> => {
  const { containerStop } = await import('../engine/containers.js');
  return each(cidTargets(a, 'stop'), async (r) => (await containerStop(r, Number(a.time)), r), Boolean(a.ignore));
};

export const kill = async (a: Args): Promise<number | void> => {
  const { containerKill } = await import('../engine/containers.js');
  return each(refs(a, 'kill'), async (r) => (await containerKill(r, String(a.signal)), r));
};

export const wait = async (a: Args): Promise<number | void> => {
  const { containerWait } = await import('../engine/containers.js');
  return each(refs(a, 'wait'), (r) => containerWait(r));
};

export const logs = async (a: Args): Promise<number | void> => {
  const [ref, extra] = refs(a, 'logs');
  if (extra) throw new TspodError('tspod logs takes one container');
  const { containerLogs } = await import('../engine/containers.js');
  await containerLogs(ref!, { follow: Boolean(a.follow), tail: a.tail as number | undefined, since: a.since as string | undefined, timestamps: Boolean(a.timestamps) },
    (e, text) => (e.stream === 'stdout' ? process.stdout : process.stderr).write(text));
  return 0;
};

export const cleanup = async (a: Args): Promise<number | void> => {
  const { containerCleanup } = await import('../engine/containers.js');
  await containerCleanup(refs(a, 'container-cleanup')[0]!);
  return 0;
};

export const attach = async (a: Args): Promise<number | void> => {
  const [ref, extra] = refs(a, 'attach');
  if (extra) throw new TspodError('tspod attach takes one container');
  const { containerAttach } = await import('../engine/attach.js');
  return containerAttach(ref!, String(a['detach-keys']));
};

export const pause = async (a: Args): Promise<number | void> => {
  const { containerPause } = await import('../engine/containers.js');
  return each(refs(a, 'pause'), async (r) => containerPause(r, true));
};

export const unpause = async (a: Args): Promise<number | void> => {
  const { containerPause } = await import('../engine/containers.js');
  return each(refs(a, 'unpause'), async (r) => containerPause(r, false));
};
