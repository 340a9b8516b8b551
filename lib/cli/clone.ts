// `tspod container clone [options] CONTAINER [NAME] [IMAGE]`: a new container made as the
// original was (its create command line, kept in its record, read again through run's flag
// table), with a new name, the resource flags and --pod given here over it.
import { TspodError } from '../util/errors.js';
import { type Args, parseFlags } from './args.js';
import { commandRows, commands } from './flags.js';
import { toRunOptions } from './run.js';
import { out } from './out.js';

/** The flags of clone that replace the original's (podman's clone takes these). */
const overriding = ['blkio-weight', 'blkio-weight-device', 'cpu-period', 'cpu-quota', 'cpu-rt-period', 'cpu-rt-runtime', 'cpu-shares', 'cpus',
  'cpuset-cpus', 'cpuset-mems', 'device-read-bps', 'device-write-bps', 'memory', 'memory-reservation', 'memory-swap', 'memory-swappiness', 'pod'];
/** Options of the original that cannot be taken twice: a second container would fight over them. */
const dropped = new Set(['name', 'replace', 'cidfile', 'pidfile', 'conmon-pidfile', 'pod-id-file', 'detach', 'rm']);

export async function handler(a: Args): Promise<number> {
  const [ref, newName, newImage] = a.operands;
  if (!ref) throw new TspodError('requires at least 1 arg(s), only received 0');
  const { openStore } = await import('../engine/store.js');
  const { findContainerIn, liveState } = await import('../engine/container-list.js');
  const store = openStore();
  const orig = findContainerIn(store, ref);
  // Checked before anything is made: a clone must not be left behind by a refused --destroy.
  if (a.destroy && !a.force && liveState(orig, store).state.status === 'running') {
    throw new TspodError(`cannot remove container ${orig.id} as it is running - running or paused containers cannot be removed without force: container state improper`, 2);
  }
  const overrides: Record<string, unknown> = {};
  for (const k of overriding) if (flagGiven(a, 'container clone', k)) overrides[k] = a[k];
  const rec = await cloneContainer(store, orig, { name: newName ?? (a.name as string | undefined), image: newImage, overrides });
  if (a.destroy) {
    const { containerRemove } = await import('../engine/containers.js');
    const [r] = await containerRemove([orig.id], Boolean(a.force), false);
    if (r?.error) throw new TspodError(r.error, r.exitCode ?? 125);
  }
  if (a.run) {
    const { containerStart } = await import('../engine/containers.js');
    await containerStart(rec.id);
  }
  out(`${rec.id}\n`);
  return 0;
}

type Rec = ReturnType<typeof import('../engine/container-list.js').findContainerIn>;
type StoreOf = ReturnType<typeof import('../engine/store.js').openStore>;

/** A new container made from ORIG's create command with OVERRIDES (flag name to value) over it
 * (pod clone puts each member into the new pod this way). */
export async function cloneContainer(store: StoreOf, orig: Rec, o: { name?: string; image?: string; overrides: Record<string, unknown> }): Promise<Rec> {
  const cmd = orig.config.createCommand;
  if (!cmd) throw new TspodError(`${orig.name}: its record keeps no create command (a pod's infra, or made by play kube), so it cannot be cloned`);
  // The original's options, read as `tspod create` reads them, minus the ones a clone cannot share.
  const spec = commands.run!;
  const parsed = parseFlags([...cmd.options, '--', ...cmd.operands], commandRows(spec), 'run', false);
  const values: Args = { ...parsed.values, command: 'create', operands: parsed.operands };
  for (const k of dropped) delete values[k];
  // What clone was given replaces the original's, and is kept in the clone's own create command
  // too (a later clone or generate systemd --new replays it).
  const overrides: string[] = [];
  for (const [k, v] of Object.entries(o.overrides)) {
    values[k] = v;
    for (const x of Array.isArray(v) ? (v as unknown[]) : [v]) overrides.push(`--${k}=${String(x)}`);
  }
  const opts = toRunOptions(values, 'create');
  const name = o.name ?? freeName(store, cloneBase(orig.name));
  const { createContainer } = await import('../engine/run.js');
  return createContainer(store, {
    ...opts, name, ...(o.image ? { image: o.image } : {}),
    createCommand: { globals: cmd.globals, options: [...withoutOptions(cmd.options, spec, dropped), ...overrides, `--name=${name}`], operands: o.image ? [o.image, ...cmd.operands.slice(1)] : cmd.operands },
  });
}

/** The original's option tokens without the DROPPED ones (and their values), for the clone's
 * own record (generate systemd --new and a later clone replay it); with `endAtDashDash`, nothing
 * after a `--` (pod create's tokens end there). Pod clone's too. */
export function withoutOptions(tokens: string[], spec: { flags: Array<{ name: string; short?: string; type: string }> }, dropped: ReadonlySet<string>, endAtDashDash = false): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (endAtDashDash && t === '--') break;
    const m = /^--([^=]+)(=.*)?$/.exec(t) ?? /^-([a-zA-Z])$/.exec(t);
    const row = m && spec.flags.find((f) => (t.startsWith('--') ? f.name === m[1] : f.short === m[1]));
    if (row && dropped.has(row.name)) {
      if (row.type !== 'bool' && !t.includes('=')) i++; // its value is the next token
      continue;
    }
    out.push(t);
  }
  return out;
}

/** Was flag NAME on COMMAND's own command line (not only its default)? */
export function flagGiven(a: Args, command: string, name: string): boolean {
  const options = (a.commandLine as { options?: string[] } | undefined)?.options ?? [];
  const row = commands[command]!.flags.find((f) => f.name === name);
  return options.some((t) => t === `--${name}` || t.startsWith(`--${name}=`) || (row?.short !== undefined && t.startsWith(`-${row.short}`)));
}

/** The name a clone of NAME is numbered from: NAME-clone, or for a clone itself (NAME-clone,
 * NAME-clone2) its NAME-clone again, so clones of clones count on instead of growing
 * -clone-clone (as podman's do). */
export function cloneBase(name: string): string {
  const i = name.indexOf('-clone');
  return i >= 0 && /^\d*$/.test(name.slice(i + 6)) ? name.slice(0, i + 6) : `${name}-clone`;
}

/** NAME, else NAME1, NAME2 ... (podman's clone names: ORIGINAL-clone, ORIGINAL-clone1, ...). */
function freeName(store: { containers: { byName(n: string): unknown } }, base: string): string {
  if (!store.containers.byName(base)) return base;
  for (let i = 1; ; i++) if (!store.containers.byName(`${base}${i}`)) return `${base}${i}`;
}
