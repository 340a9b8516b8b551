// rename, restart, top, diff.
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';
import { columns } from '../util/human.js';
import { toArray } from './main.js';
import { printList } from './format.js';

function operands(a: Record<string, unknown>, verb: string, min: number, max: number): string[] {
  const r = toArray(a._).slice(1);
  if (r.length < min || r.length > max) throw new TspodError(`tspod ${verb}: expected ${min === max ? min : `${min} to ${max}`} argument${max > 1 ? 's' : ''}; see \`tspod ${verb} --help\``);
  return r;
}

export const rename = {
  builder: (y: Argv) => y.usage('Usage: tspod rename CONTAINER NAME'),
  handler: async (a: Record<string, unknown>) => {
    const [ref, name] = operands(a, 'rename', 2, 2);
    const { containerRename } = await import('../engine/containers.js');
    await containerRename(ref!, name!);
  },
};

export const restart = {
  builder: (y: Argv) => y.option('time', { alias: 't', type: 'number', default: 10, describe: 'Seconds to wait before killing the container' }),
  handler: async (a: Record<string, unknown>) => {
    const refs = operands(a, 'restart', 1, Infinity);
    const { containerStop, containerStart } = await import('../engine/containers.js');
    for (const r of refs) {
      await containerStop(r, Number(a.time));
      await containerStart(r);
      process.stdout.write(`${r}\n`);
    }
  },
};

export const top = {
  builder: (y: Argv) => y.usage('Usage: tspod top CONTAINER'),
  handler: async (a: Record<string, unknown>) => {
    const [ref] = operands(a, 'top', 1, 1);
    const { containerTop } = await import('../engine/containers.js');
    const rows = containerTop(ref!);
    const keys = ['USER', 'PID', 'PPID', '%CPU', 'ELAPSED', 'TTY', 'TIME', 'COMMAND'] as const;
    process.stdout.write(columns([[...keys], ...rows.map((r) => keys.map((k) => r[k]))]));
  },
};

export const diff = {
  builder: (y: Argv) => y.option('format', { type: 'string', describe: 'json or a Go template ({{.Kind}} {{.Path}})' }),
  handler: async (a: Record<string, unknown>) => {
    const [ref] = operands(a, 'diff', 1, 1);
    const { containerDiff } = await import('../engine/containers.js');
    const rows = containerDiff(ref!).map((d) => ({ Kind: d.kind, Path: d.path }));
    if (!a.format) process.stdout.write(rows.map((r) => `${r.Kind} ${r.Path}\n`).join(''));
    else printList(rows, a.format as string, { header: [], row: () => [] });
  },
};

export const cp = {
  builder: (y: Argv) => y.usage('Usage: tspod cp [CONTAINER:]SRC [CONTAINER:]DEST'),
  handler: async (a: Record<string, unknown>) => {
    const [src, dest] = operands(a, 'cp', 2, 2);
    const { copy } = await import('../engine/copy.js');
    await copy(src!, dest!);
  },
};

export const port = {
  builder: (y: Argv) => y.usage('Usage: tspod port CONTAINER'),
  handler: async (a: Record<string, unknown>) => {
    const [ref] = operands(a, 'port', 1, 1);
    const { containerPorts } = await import('../engine/containers.js');
    const lines = containerPorts(ref!).map((p) => `${p.containerPort}/${p.protocol} -> ${p.hostIp}:${p.hostPort}`);
    process.stdout.write(lines.map((l) => l + '\n').join(''));
  },
};
