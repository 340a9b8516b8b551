// rename, restart, top, diff.
import { TspodError } from '../util/errors.js';
import { columns } from '../util/human.js';
import { type Args, positionals, toArray } from './args.js';
import { printList } from './format.js';

export const rename = async (a: Args): Promise<number | void> => {
  const [ref, name] = positionals(a, 'rename', 2, 2);
  const { containerRename } = await import('../engine/containers.js');
  await containerRename(ref!, name!);
};

export const restart = async (a: Args): Promise<number | void> => {
  const { cidTargets } = await import('./lifecycle.js');
  const { containerStop, containerStart, containerList } = await import('../engine/containers.js');
  let refs = await cidTargets(a, 'restart');
  // --running: with --all, only the containers that run now.
  if (a.running) {
    const up = new Set(containerList(false).map((c) => c.id));
    refs = refs.filter((r) => up.has(r));
  }
  let code = 0;
  for (const r of refs) {
    try {
      await containerStop(r, a.time as number | undefined);
      await containerStart(r);
      process.stdout.write(`${r}\n`);
    } catch (err) {
      process.stderr.write(`Error: ${(err as Error).message}\n`);
      code = 125;
    }
  }
  return code;
};

export const top = async (a: Args): Promise<number | void> => {
  const [ref, ...descriptors] = positionals(a, 'top', 1);
  const { containerTop, topDescriptors } = await import('../engine/containers.js');
  // Descriptors may come as separate words or comma-separated, as podman takes them.
  const wanted = descriptors.flatMap((d) => d.split(',')).filter(Boolean);
  for (const d of wanted) {
    if (!topDescriptors[d]) throw new TspodError(`unknown top descriptor "${d}" (tspod knows ${Object.keys(topDescriptors).join(', ')})`);
  }
  const keys = wanted.length ? wanted.map((d) => topDescriptors[d]!) : (['USER', 'PID', 'PPID', '%CPU', 'ELAPSED', 'TTY', 'TIME', 'COMMAND'] as const);
  const rows = containerTop(ref!);
  process.stdout.write(columns([[...keys], ...rows.map((r) => keys.map((k) => r[k]))]));
};

export const diff = async (a: Args): Promise<number | void> => {
  const [ref] = positionals(a, 'diff', 1, 1);
  const { containerDiff } = await import('../engine/containers.js');
  const rows = containerDiff(ref!).map((d) => ({ Kind: d.kind, Path: d.path }));
  if (!a.format) process.stdout.write(rows.map((r) => `${r.Kind} ${r.Path}\n`).join(''));
  else printList(rows, a.format as string, { header: [], row: () => [] });
};

export const unshare = async (a: Args): Promise<number | void> => {
  const { unshareRun } = await import('../engine/containers.js');
  return unshareRun(a.operands as string[]);
};

export const mount = async (a: Args): Promise<number | void> => {
  const ids = positionals(a, 'mount', 0);
  const { containerMount, mountedContainers } = await import('../engine/containers.js');
  if (!ids.length) {
    process.stdout.write(mountedContainers().map((m) => `${m.id.slice(0, 12)}  ${m.path}\n`).join(''));
    return;
  }
  for (const id of ids) process.stdout.write(`${containerMount(id)}\n`);
};

export const unmount = async (a: Args): Promise<number | void> => {
  const ids = positionals(a, 'unmount', 1);
  const { containerUnmount } = await import('../engine/containers.js');
  for (const id of ids) process.stdout.write(`${containerUnmount(id)}\n`);
};

export const commit = async (a: Args): Promise<number | void> => {
  const [ref, name] = positionals(a, 'commit', 1, 2);
  const { containerCommit } = await import('../engine/containers.js');
  if (!a.quiet) process.stderr.write('Getting image source signatures\n');
  const img = await containerCommit(ref!, {
    changes: toArray(a.change), message: a.message as string | undefined, author: a.author as string | undefined, name,
    format: a.format as string | undefined, includeVolumes: Boolean(a['include-volumes']), squash: Boolean(a.squash),
  });
  if (!a.quiet) process.stderr.write('Writing manifest to image destination\n');
  if (a.iidfile) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(String(a.iidfile), img.id.slice(7));
  }
  process.stdout.write(`${img.id.slice(7)}\n`);
};

export const exportFs = async (a: Args): Promise<number | void> => {
  const [ref] = positionals(a, 'export', 1, 1, 'container');
  if (!a.output && process.stdout.isTTY) throw new TspodError('refusing to export to a terminal: redirect stdout or use -o FILE');
  const { openSync, closeSync, renameSync, rmSync } = await import('node:fs');
  const { containerExport } = await import('../engine/containers.js');
  if (!a.output) return containerExport(ref!, 1);
  // Written beside the target and renamed: a failed export leaves no partial file.
  const tmp = `${String(a.output)}.tspod-export-tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    await containerExport(ref!, fd);
    closeSync(fd);
    renameSync(tmp, String(a.output));
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
};

export const cp = async (a: Args): Promise<number | void> => {
  const [src, dest] = positionals(a, 'cp', 2, 2);
  const { copy } = await import('../engine/copy.js');
  await copy(src!, dest!);
};

export const port = async (a: Args): Promise<number | void> => {
  const { containerPorts, selectContainers, containerList } = await import('../engine/containers.js');
  const { formatPorts } = await import('../network/ports.js');
  if (a.all) {
    // podman: each running container with ports, its id then its mappings.
    if (a.operands.length) throw new TspodError('no arguments are needed with --all');
    for (const c of containerList(false)) {
      const lines = formatPorts(containerPorts(c.id));
      if (lines.length) process.stdout.write(`${c.id.slice(0, 12)}\n${lines.map((l) => l + '\n').join('')}`);
    }
    return;
  }
  const [ref, wanted] = a.latest ? [selectContainers({ refs: [], latest: true }, 'port')[0]!, a.operands[0]] : positionals(a, 'port', 1, 2);
  let lines = formatPorts(containerPorts(ref!));
  if (wanted) {
    const [p, proto = 'tcp'] = wanted.split('/');
    lines = lines.filter((l) => l.startsWith(`${p}/${proto} -> `)).map((l) => l.replace(/^.* -> /, ''));
    if (!lines.length) throw new TspodError(`failed to find published port "${wanted}"`);
  }
  process.stdout.write(lines.map((l) => l + '\n').join(''));
};
