// --help, rendered from the flag tables in podman's layout; loaded only when
// help is asked for, so that no other command pays for it.
import type { CommandSpec, FlagRow } from './args.js';
import { byteCompare } from '../util/human.js';

type Tables = typeof import('./flags.js');

const typeWord: Record<FlagRow['type'], string> = { bool: '', string: 'string', int: 'int', uint: 'uint', stringArray: 'stringArray', stringSlice: 'strings' };

function defaultText(f: FlagRow): string {
  if (f.def === undefined || f.def === false || f.def === '' || (f.def === 0 && f.type !== 'int')) return '';
  return typeof f.def === 'string' && f.type !== 'stringArray' && f.type !== 'stringSlice' ? ` (default "${f.def}")` : ` (default ${String(f.def)})`;
}

/** The options block: `  -x, --name type   usage (default ...)`, sorted by name, columns aligned. */
export function flagLines(rows: FlagRow[]): string {
  const shown = rows.filter((f) => !f.hidden).sort((a, b) => byteCompare(a.name, b.name));
  const left = shown.map((f) => {
    let word = f.arg ?? typeWord[f.type];
    if (f.optional !== undefined && f.type !== 'bool') word += `[="${f.optional}"]`;
    return `${f.short ? `  -${f.short}, ` : '      '}--${f.name}${word ? ` ${word}` : ''}`;
  });
  const width = Math.max(0, ...left.map((l) => l.length));
  return shown.map((f, i) => `${left[i]!.padEnd(width)}   ${f.usage}${defaultText(f)}\n`).join('');
}

export function commandHelp(spec: CommandSpec): string {
  let s = `${spec.describe}\n\nUsage:\n  ${spec.usage}\n`;
  if (spec.more) s += `\n${spec.more}\n`;
  const rows = spec.flags.filter((f) => !f.hidden);
  if (rows.length) s += `\nOptions:\n${flagLines(rows)}`;
  return s;
}

function commandList(entries: Array<[string, string]>): string {
  const width = Math.max(...entries.map(([n]) => n.length));
  return entries.map(([n, d]) => `  ${n.padEnd(width)} ${d}\n`).join('');
}

export function rootHelp(t: Tables): string {
  const entries = new Map<string, string>();
  for (const [name, spec] of Object.entries(t.commands)) {
    if (spec.hidden) continue;
    const word = name.split(' ')[0]!;
    entries.set(word, name.includes(' ') ? (t.groups[word] ?? spec.describe) : spec.describe);
  }
  for (const g of Object.keys(t.groupAliases)) entries.set(g, t.groups[g] ?? '');
  const sorted = [...entries].sort(([a], [b]) => byteCompare(a, b));
  return `Manage pods, containers and images\n\nUsage:\n  tspod [options] [command]\n\nAvailable Commands:\n${commandList(sorted)}\nOptions:\n${flagLines([
    { name: 'help', type: 'bool', usage: 'Help for tspod' }, ...t.rootFlags])}`;
}

/** Spellings podman takes but does not list (cobra aliases): its lists show `container list`
 * and `container ps`, `pod ps`, `image list`, `volume ls`... */
const unlisted = new Set(['container ls', 'container umount', 'pod ls', 'pod list', 'image ls', 'image umount', 'volume list', 'volume umount',
  'network list', 'network remove', 'secret list']);

export function groupHelp(group: string, t: Tables): string {
  const entries = new Map<string, string>();
  for (const [name, spec] of Object.entries(t.commands)) {
    if (name.startsWith(`${group} `) && !spec.hidden) entries.set(name.slice(group.length + 1), spec.describe);
  }
  for (const [sub, to] of Object.entries(t.groupAliases[group] ?? {})) {
    if (unlisted.has(`${group} ${sub}`)) continue;
    const target = t.commands[to.slice(0, 2).join(' ')] ?? t.commands[to[0]!];
    if (!entries.has(sub) && target) entries.set(sub, target.describe);
  }
  const sorted = [...entries].sort(([a], [b]) => byteCompare(a, b));
  return `${t.groups[group] ?? ''}\n\nUsage:\n  tspod ${group} [command]\n\nAvailable Commands:\n${commandList(sorted)}`;
}
