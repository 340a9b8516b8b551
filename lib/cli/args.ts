// The command line parser: podman's flag semantics (those of its flag library)
// over the declarative tables in flags.ts, and the operand helpers the verbs share.
import { TspodError } from '../util/errors.js';

/** How a flag's value is read. `stringSlice` splits on commas (`--cap-add a,b`), `stringArray` does not (`-e A=1,2`). */
export type FlagType = 'bool' | 'string' | 'int' | 'uint' | 'stringArray' | 'stringSlice';

/** Commands that share a row of the container-creation flags. */
export type SharedVerb = 'run' | 'create' | 'pod create' | 'clone' | 'build';

export interface FlagRow {
  name: string;
  short?: string;
  type: FlagType;
  /** podman's usage text (shown by --help). */
  usage: string;
  /** The value when the flag is not given (arrays: [] unless set). */
  def?: string | number | boolean;
  /** The value of the bare flag (`--pull` alone); the value must then come with `=`. Booleans: true. */
  optional?: string;
  /** The word help shows for the value instead of the type (podman's backquoted name). */
  arg?: string;
  /** Other long names that set the same flag (`--net`). */
  aliases?: string[];
  /** The only values accepted (checked as the value is read). */
  choices?: string[];
  /** Accepted but left out of --help. */
  hidden?: boolean;
  /** For rows shared between commands: the commands that take it. */
  verbs?: SharedVerb[];
}

export interface CommandSpec {
  /** podman's usage line, without the leading "Usage: " and with the program name as tspod. */
  usage: string;
  describe: string;
  flags: FlagRow[];
  /** false: options end at the first operand (run, create, exec: the image's own arguments follow). */
  interspersed?: boolean;
  /** Operands the command takes at most (podman: "`tspod ps` takes no arguments"); without it,
   * as many as the usage line names (none past a `...`). */
  maxArgs?: number;
  /** Operands it needs at least, where the usage line names more than it needs (pod clone POD NAME). */
  minArgs?: number;
  hidden?: boolean;
  /** More help text, shown after the usage line. */
  more?: string;
}

export type FlagValue = string | number | boolean | string[] | undefined;

/** What a verb's handler gets: each flag by its long name, and the operands. */
export interface Args {
  [flag: string]: unknown;
  /** The command as the table names it: 'run', 'pod create'. */
  command: string;
  operands: string[];
}

/** The operands a usage line names: required (UPPER), optional ([UPPER]), and whether a `...`
 * lets them run on. */
function usageOperands(spec: CommandSpec, command: string): { min: number; max: number } {
  let rest = spec.usage.replace(/^tspod\s+/, '');
  for (const w of command.split(' ')) if (rest.startsWith(`${w} `) || rest === w) rest = rest.slice(w.length).trimStart();
  rest = rest.replace(/^\[options\]\s*/, '').trim();
  const words = rest ? rest.split(/\s+/) : [];
  return { min: words.filter((w) => !w.startsWith('[')).length, max: rest.includes('...') ? Infinity : words.length };
}

/** cobra's words for an operand count out of range (`accepts between 1 and 2 arg(s), received 3`),
 * from the table's counts or its usage line; undefined when N is fine. Fewer than the minimum is
 * left to verbs with --all or --latest (they take none with those). */
export function argCountError(spec: CommandSpec, command: string, n: number, spelled = command): string | undefined {
  const u = usageOperands(spec, command);
  const max = spec.maxArgs ?? u.max;
  const min = Math.min(spec.minArgs ?? u.min, max);
  // --all and --latest stand for operands: those verbs count them themselves
  const needed = spec.minArgs ?? (spec.flags.some((f) => f.name === 'all' || f.name === 'latest') ? 0 : min);
  if (max === 0 && n > 0) return `\`tspod ${spelled}\` takes no arguments`;
  if (n <= max && n >= needed) return undefined;
  if (min === max) return `accepts ${max} arg(s), received ${n}`;
  if (max === Infinity) return `requires at least ${min} arg(s), only received ${n}`;
  if (min === 0) return `accepts at most ${max} arg(s), received ${n}`;
  return `accepts between ${min} and ${max} arg(s), received ${n}`;
}

/** A usage mistake, told podman's way: the message, then where help is. */
export class UsageError extends TspodError {
  constructor(message: string, readonly helpFor: string) {
    super(message, 125);
  }
}

export function toArray(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** The command's operands, between min and max of them, or a clear error. */
export function positionals(a: Args, verb: string, min: number, max = Infinity, what = 'argument'): string[] {
  const r = a.operands;
  if (r.length < min || r.length > max) {
    const count = max === Infinity ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
    throw new TspodError(`tspod ${verb} needs ${count} ${what}${max === 1 || (max === Infinity && min === 1) ? '' : 's'}; see \`tspod ${verb} --help\``);
  }
  return r;
}

/** KEY=VALUE flags (--label, --opt) into an object; KEY alone is an empty value. */
export function keyValues(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    out[eq < 0 ? kv : kv.slice(0, eq)] = eq < 0 ? '' : kv.slice(eq + 1);
  }
  return out;
}

/** The registry flags (--tls-verify, --creds, --authfile) as the engine takes them. */
export function registryOptions(a: Args): { tlsVerify?: boolean; creds?: string; authfile?: string; certDir?: string } {
  return { tlsVerify: a['tls-verify'] as boolean | undefined, creds: a.creds as string | undefined, authfile: a.authfile as string | undefined, certDir: a['cert-dir'] as string | undefined };
}

export interface Parsed {
  values: Record<string, FlagValue>;
  operands: string[];
  /** Each flag's tokens as given, in order (with their values), up to the operands. */
  optionTokens: string[];
  help: boolean;
}

const boolWords: Record<string, boolean> = { 1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false };

function label(row: FlagRow): string {
  return row.short ? `-${row.short}, --${row.name}` : `--${row.name}`;
}

function convert(row: FlagRow, raw: string, helpFor: string): FlagValue {
  const bad = (fn: string) => new UsageError(`invalid argument "${raw}" for "${label(row)}" flag: strconv.${fn}: parsing "${raw}": invalid syntax`, helpFor);
  switch (row.type) {
    case 'bool':
      if (!(raw in boolWords)) throw bad('ParseBool');
      return boolWords[raw];
    case 'int':
      if (!/^[+-]?\d+$/.test(raw)) throw bad('ParseInt');
      return Number(raw);
    case 'uint':
      if (!/^\+?\d+$/.test(raw)) throw bad('ParseUint');
      return Number(raw);
    default:
      if (row.choices && !row.choices.includes(raw)) {
        throw new UsageError(`invalid argument "${raw}" for "${label(row)}" flag: must be one of ${row.choices.join(', ')}`, helpFor);
      }
      return raw;
  }
}

/** Parse ARGV (what follows the command words) against ROWS, podman's way:
 * `--flag=value`, `--flag value` (the next word even when it starts with a dash: `--pids-limit -1`),
 * bundled shorts `-it`, attached short values `-p8080:80` `-eK=V`, `--` ends the options,
 * a scalar given twice keeps the last value, arrays collect. Unknown flags are refused.
 * With interspersed false the first operand ends the options (`run IMAGE CMD -x`). */
export function parseFlags(argv: string[], rows: FlagRow[], helpFor: string, interspersed = true, helpShort = true): Parsed {
  const byName = new Map<string, FlagRow>();
  const byShort = new Map<string, FlagRow>();
  for (const r of rows) {
    byName.set(r.name, r);
    for (const a of r.aliases ?? []) byName.set(a, r);
    if (r.short) byShort.set(r.short, r);
  }
  const values: Record<string, FlagValue> = {};
  const operands: string[] = [];
  const optionTokens: string[] = [];
  let help = false;
  const set = (row: FlagRow, raw: string) => {
    const v = convert(row, raw, helpFor);
    if (row.type === 'stringArray' || row.type === 'stringSlice') {
      const list = (values[row.name] as string[] | undefined) ?? [];
      // pflag reads a slice value as one CSV record: `--cap-add a,b` is two, `--cap-add ""` none.
      list.push(...(row.type === 'stringSlice' ? (raw === '' ? [] : raw.split(',')) : [raw]));
      values[row.name] = list;
    } else {
      values[row.name] = v;
    }
  };
  const bare = (row: FlagRow): string | undefined => (row.type === 'bool' ? 'true' : row.optional);
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      optionTokens.push(a);
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (!interspersed) break;
      operands.push(a);
      continue;
    }
    const start = i;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (name === 'help' && !byName.has('help')) {
        help = true;
        continue;
      }
      const row = byName.get(name);
      if (!row) throw new UsageError(`unknown flag: --${name}`, helpFor);
      if (eq >= 0) set(row, a.slice(eq + 1));
      else if (bare(row) !== undefined) set(row, bare(row)!);
      else if (i + 1 < argv.length) set(row, argv[++i]!);
      else throw new UsageError(`flag needs an argument: --${name}`, helpFor);
    } else {
      // A group of shorthands: booleans, then perhaps one that takes the rest (or the next word) as its value.
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const row = byShort.get(c);
        if (!row) {
          if (c === 'h' && helpShort) {
            help = true;
            continue;
          }
          throw new UsageError(`unknown shorthand flag: '${c}' in ${a}`, helpFor);
        }
        if (a[j + 1] === '=') {
          set(row, a.slice(j + 2));
          break;
        }
        if (bare(row) !== undefined) {
          set(row, bare(row)!);
          continue;
        }
        if (j + 1 < a.length) set(row, a.slice(j + 1));
        else if (i + 1 < argv.length) set(row, argv[++i]!);
        else throw new UsageError(`flag needs an argument: '${c}' in ${a}`, helpFor);
        break;
      }
    }
    optionTokens.push(...argv.slice(start, i + 1));
  }
  operands.push(...argv.slice(i));
  for (const r of rows) {
    if (r.name in values) continue;
    values[r.name] = r.type === 'stringArray' || r.type === 'stringSlice' ? (r.def === undefined ? [] : toArray(r.def)) : r.def;
  }
  return { values, operands, optionTokens, help };
}
