// `tspod pod clone [options] POD [NAME]`: a new pod made as the original was (its pod create
// command line, kept in its record, read again through pod create's flag table) with the flags
// given here over it, and each of its containers cloned into it (container clone's way).
import { TspodError } from '../util/errors.js';
import { type Args, parseFlags } from './args.js';
import { commandRows, commands, podCloneOverrides } from './flags.js';
import { cloneBase, cloneContainer, flagGiven, withoutOptions } from './clone.js';
import { out } from './out.js';

/** Options of the original a second pod cannot take again (its name, its files). */
const dropped = new Set(['name', 'replace', 'pod-id-file', 'infra-conmon-pidfile', 'infra-name']);

export async function handler(a: Args): Promise<number> {
  const [ref, newName] = a.operands;
  if (!ref) throw new TspodError('accepts between 1 and 2 arg(s), received 0');
  const { openStore } = await import('../engine/store.js');
  const pods = await import('../engine/pods.js');
  const store = openStore();
  const orig = pods.findPod(store, ref);
  const members = pods.podMembers(store, orig).filter((c) => c.id !== orig.infraId).sort((x, y) => x.created.localeCompare(y.created));
  // Checked before anything is made, so a refusal leaves no half-made pod behind.
  const bare = members.find((c) => !c.config.createCommand);
  if (bare) throw new TspodError(`${bare.name}: its record keeps no create command (made by play kube), so pod ${orig.name} cannot be cloned`);

  // The original's pod create flags (or, for a pod whose record predates kept command lines,
  // what its record holds), then the ones given here.
  const spec = commands['pod create']!;
  const cmd = orig.createCommand;
  let values: Args;
  let originalTokens: string[];
  if (cmd) {
    const parsed = parseFlags(cmd.options, commandRows(spec), 'pod create', true);
    values = { ...parsed.values, command: 'pod create', operands: [] };
    originalTokens = withoutOptions(cmd.options, spec, dropped, true);
  } else {
    const labels = Object.entries(orig.labels ?? {}).map(([k, v]) => `${k}=${v}`);
    originalTokens = [...labels.map((l) => `--label=${l}`), `--exit-policy=${orig.exitPolicy ?? 'continue'}`, ...(orig.hostname !== orig.name ? [`--hostname=${orig.hostname}`] : []),
      ...(orig.infraId ? [] : ['--infra=false'])];
    values = { ...parseFlags(originalTokens, commandRows(spec), 'pod create', true).values, command: 'pod create', operands: [] };
  }
  for (const k of dropped) delete values[k];
  const overrides: string[] = [];
  for (const k of [...podCloneOverrides]) {
    if (!flagGiven(a, 'pod clone', k)) continue;
    // a pod's labels add to the original's, as more --label flags on its create command would
    values[k] = k === 'label' ? [...((values[k] as string[] | undefined) ?? []), ...((a[k] as string[] | undefined) ?? [])] : a[k];
    for (const v of Array.isArray(a[k]) ? (a[k] as unknown[]) : [a[k]]) overrides.push(`--${k}=${String(v)}`);
  }
  const name = newName ?? (a.name as string | undefined) ?? freeName(store, cloneBase(orig.name));
  const { podCreateOptions } = await import('./pod.js');
  const pod = await pods.podCreate({
    ...(await podCreateOptions(values)), name,
    createCommand: { globals: cmd?.globals ?? [], options: [...originalTokens, ...overrides], operands: [name] },
  }, store);

  // Each container of the original, cloned into the new pod (names as container clone gives them).
  try {
    for (const c of members) await cloneContainer(store, c, { overrides: { pod: pod.id } });
  } catch (err) {
    await pods.podRemove(pod.id, true).catch(() => undefined);
    throw err;
  }
  if (a.destroy) await pods.podRemove(orig.id, true);
  if (a.start) await pods.podStart(pod.id);
  out(`${pod.id}\n`);
  return 0;
}

/** NAME, else NAME1, NAME2 ... (podman's: ORIGINAL-clone, ORIGINAL-clone1, ...). */
function freeName(store: { pods: { list(): Array<{ name: string }> } }, base: string): string {
  const taken = new Set(store.pods.list().map((p) => p.name));
  if (!taken.has(base)) return base;
  for (let i = 1; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}
