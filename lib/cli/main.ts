// The tspod command line: which module runs each command (imported only when
// it runs), the global flags, and the one place that prints "Error: ..." and picks the exit code.
import type { Args, Parsed } from './args.js';
import { dropOutput, out } from './out.js';

type Tables = typeof import('./flags.js');

type Handler = (a: Args) => Promise<number | void>;

/** Each command's handler, loaded on use: `tspod ps` never loads run's code. */
const handlers: Record<string, () => Promise<Handler>> = {
  run: async () => (await import('./run.js')).handler,
  create: async () => (await import('./create.js')).handler,
  start: async () => (await import('./lifecycle.js')).start,
  stop: async () => (await import('./lifecycle.js')).stop,
  kill: async () => (await import('./lifecycle.js')).kill,
  wait: async () => (await import('./lifecycle.js')).wait,
  pause: async () => (await import('./lifecycle.js')).pause,
  unpause: async () => (await import('./lifecycle.js')).unpause,
  attach: async () => (await import('./lifecycle.js')).attach,
  logs: async () => (await import('./lifecycle.js')).logs,
  'container-cleanup': async () => (await import('./cleanup.js')).cleanup,
  rename: async () => (await import('./more.js')).rename,
  restart: async () => (await import('./more.js')).restart,
  top: async () => (await import('./more.js')).top,
  port: async () => (await import('./more.js')).port,
  diff: async () => (await import('./more.js')).diff,
  unshare: async () => (await import('./more.js')).unshare,
  mount: async () => (await import('./more.js')).mount,
  unmount: async () => (await import('./more.js')).unmount,
  commit: async () => (await import('./more.js')).commit,
  build: async () => (await import('./build.js')).handler,
  export: async () => (await import('./more.js')).exportFs,
  cp: async () => (await import('./more.js')).cp,
  exec: async () => (await import('./exec.js')).handler,
  inspect: async () => (await import('./inspect.js')).handler,
  'container exists': async () => (await import('./inspect.js')).exists,
  'container clone': async () => (await import('./clone.js')).handler,
  'pod clone': async () => (await import('./pod-clone.js')).handler,
  'image exists': async () => (await import('./inspect.js')).exists,
  ps: async () => (await import('./ps.js')).handler,
  rm: async () => (await import('./rm.js')).handler,
  images: async () => (await import('./images.js')).handler,
  load: async () => (await import('./load.js')).handler,
  import: async () => (await import('./import.js')).handler,
  tag: async () => (await import('./image-more.js')).tag,
  untag: async () => (await import('./image-more.js')).untag,
  history: async () => (await import('./image-more.js')).history,
  save: async () => (await import('./image-more.js')).save,
  'image prune': async () => (await import('./image-more.js')).prune,
  pull: async () => (await import('./registry.js')).pull,
  push: async () => (await import('./registry.js')).push,
  login: async () => (await import('./registry.js')).login,
  logout: async () => (await import('./registry.js')).logout,
  rmi: async () => (await import('./rmi.js')).handler,
  'pod create': async () => (await import('./pod.js')).handler,
  'generate systemd': async () => (await import('./generate.js')).handler,
  'generate kube': async () => (await import('./generate.js')).handler,
  'play kube': async () => (await import('./play.js')).handler,
  doctor: async () => (await import('./doctor.js')).handler,
  info: async () => (await import('./info.js')).handler,
  'system reset': async () => (await import('./system.js')).handler,
  'system df': async () => (await import('./system.js')).handler,
  'system prune': async () => (await import('./system.js')).handler,
  version: async () => (await import('./version.js')).handler,
  stats: async () => (await import('./lifecycle.js')).stats,
  init: async () => (await import('./lifecycle.js')).init,
  'container prune': async () => (await import('./lifecycle.js')).prune,
  'system migrate': async () => (await import('./system.js')).handler,
  'system renumber': async () => (await import('./system.js')).handler,
  'image diff': async () => (await import('./image-more.js')).imageDiff,
  'image tree': async () => (await import('./image-more.js')).imageTree,
  'image sign': async () => (await import('./image-more.js')).imageSign,
  completion: async () => (await import('./completion.js')).handler,
  search: async () => (await import('./search.js')).handler,
  'image mount': async () => (await import('./image-more.js')).imageMount,
  'image unmount': async () => (await import('./image-more.js')).imageUnmount,
};
for (const sub of ['start', 'stop', 'restart', 'kill', 'rm', 'ps', 'inspect', 'exists', 'top', 'logs', 'prune', 'pause', 'unpause', 'stats']) handlers[`pod ${sub}`] = handlers['pod create']!;
for (const sub of ['create', 'add', 'annotate', 'inspect', 'exists', 'rm', 'remove', 'push']) handlers[`manifest ${sub}`] = async () => (await import('./manifest.js')).handler;
handlers['healthcheck run'] = async () => (await import('./secret.js')).healthcheck;
for (const sub of ['create', 'ls', 'inspect', 'rm']) handlers[`secret ${sub}`] = async () => (await import('./secret.js')).handler;
for (const sub of ['create', 'ls', 'inspect', 'rm', 'prune', 'exists', 'export', 'import', 'mount', 'unmount']) handlers[`volume ${sub}`] = async () => (await import('./volume.js')).handler;
for (const sub of ['create', 'ls', 'inspect', 'rm', 'prune', 'exists', 'connect', 'disconnect', 'reload']) handlers[`network ${sub}`] = async () => (await import('./network.js')).handler;

let exitCode = 0;

export async function main(argv: string[]): Promise<number> {
  exitCode = 0;
  const debug = process.env.TSPOD_DEBUG === '1' || argv.some((a, i) => a === '--log-level=debug' || (a === '--log-level' && argv[i + 1] === 'debug'));
  try {
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
      await printVersion();
      return 0;
    }
    await dispatch(argv);
    return exitCode;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const hint = (err as { helpFor?: string }).helpFor;
    // A few of podman's messages come without "Error: " (those its logger setup prints).
    const prefix = (err as { bare?: boolean }).bare ? '' : 'Error: ';
    process.stderr.write(`${prefix}${printable(e.message)}\n${hint !== undefined ? `See 'tspod ${hint ? `${hint} ` : ''}--help'\n` : ''}`);
    if (debug && e.stack) process.stderr.write(e.stack + '\n');
    return typeof (err as { exitCode?: unknown }).exitCode === 'number' ? (err as { exitCode: number }).exitCode : 125;
  }
}

/** Messages may quote names from images, archives and registries: their control characters
 * (an escape sequence retitling or recolouring the terminal) are shown escaped, as Go's %q would. */
function printable(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\x00-\x08\x0b-\x1f\x7f\x9b]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Set by the bundle build from package.json; unset when the sources run (tests). */
declare const TSPOD_BUILD_VERSION: string | undefined;

/** `tspod --version`, written straight to fd 1: the stdout stream and its modules are not
 * worth loading for one line. */
async function printVersion(): Promise<void> {
  const { readFileSync, writeSync } = await import('node:fs');
  const version = typeof TSPOD_BUILD_VERSION === 'string' ? TSPOD_BUILD_VERSION
    : (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  writeSync(1, `tspod version ${version}\n`);
}

/** The command named by WORDS (what follows the global flags), with podman's grouped
 * spellings (`container run`, `image ls`) mapped onto it, and the words after it. */
export function findCommand(words: string[], t: Tables): { command?: string; rest: string[]; group?: string; unknown?: string; spelled?: string } {
  const { commands, groupAliases, plainAliases } = t;
  const [first, ...after] = words;
  if (first === undefined) return { rest: [] };
  if (plainAliases[first]) return { ...findCommand([...plainAliases[first].split(' '), ...after], t), spelled: first };
  const second = after[0];
  if (commands[first]) return { command: first, rest: after };
  if (second !== undefined && commands[`${first} ${second}`]) return { command: `${first} ${second}`, rest: after.slice(1) };
  const alias = second !== undefined ? groupAliases[first]?.[second] : undefined;
  // (the words as typed are kept: help's usage line and errors name `container ls`, not `ps`)
  if (alias) return { ...findCommand([...alias, ...after.slice(1)], t), spelled: `${first} ${second}` };
  if (first in groupAliases || Object.keys(commands).some((c) => c.startsWith(`${first} `))) {
    if (second === undefined || second.startsWith('-')) return { group: first, rest: after };
    return { unknown: `${first} ${second}`, rest: [] };
  }
  return { unknown: first, rest: [] };
}

async function dispatch(argv: string[]): Promise<void> {
  const tables = await import('./flags.js');
  const { commands, rootFlags } = tables;
  const { argCountError, parseFlags } = await import('./args.js');
  const { TspodError } = await import('../util/errors.js');
  const root = parseFlags(argv, rootFlags, '', false);
  if (root.values.version) return printVersion();
  // `tspod help [COMMAND...]` is `tspod [COMMAND...] --help`, as in podman.
  if (root.operands[0] === 'help') return dispatch([...root.optionTokens, ...root.operands.slice(1), '--help']);
  const found = findCommand(root.operands, tables);
  if (found.unknown) throw new TspodError(`unrecognized command \`tspod ${found.unknown}\`\nTry 'tspod --help' for more information`);
  if (!found.command) {
    const helpAsked = root.help || found.rest.some((a) => a === '--help' || a === '-h');
    if (helpAsked) {
      const { rootHelp, groupHelp } = await import('./help.js');
      out(found.group ? groupHelp(found.group, tables) : rootHelp(tables));
      return;
    }
    // as podman: the help on stdout, then the error
    const { rootHelp, groupHelp } = await import('./help.js');
    out(`${found.group ? groupHelp(found.group, tables) : rootHelp(tables)}\n`);
    throw new TspodError(`missing command 'tspod ${found.group ? `${found.group} ` : ''}COMMAND'`);
  }
  const command = found.command;
  const spec = commands[command]!;
  const rows = tables.commandRows(spec);
  const parsed: Parsed = parseFlags(found.rest, rows, found.spelled ?? command, spec.interspersed ?? true);
  if (parsed.help || root.help) {
    const { commandHelp } = await import('./help.js');
    const spelled = found.spelled ?? command;
    out(commandHelp(spelled === command ? spec : { ...spec, usage: spec.usage.replace(`tspod ${command}`, `tspod ${spelled}`) }));
    return;
  }
  await setUpLogging(root, parsed, command);
  // podman's words for both (each verb's own checks follow for the rest); ps lists with both
  if (parsed.values.all === true && parsed.values.latest === true && command !== 'ps') throw new TspodError('--all and --latest cannot be used together');
  const countError = argCountError(spec, command, parsed.operands.length, found.spelled);
  if (countError) throw new TspodError(countError);
  const storageOpt = [...(root.values['storage-opt'] as string[]), ...(parsed.values['storage-opt'] as string[])];
  // A global flag may come before or after the command's name; after it, it wins.
  const given = (name: string) => parsed.optionTokens.some((t) => t === `--${name}` || t.startsWith(`--${name}=`));
  const global = <T>(name: string): T => (given(name) ? parsed.values[name] : root.values[name]) as T;
  const list = (name: string) => [...((root.values[name] as string[] | undefined) ?? []), ...((parsed.values[name] as string[] | undefined) ?? [])];
  const opts = {
    root: global<string | undefined>('root'), runroot: global<string | undefined>('runroot'), tmpdir: global<string | undefined>('tmpdir'),
    runtime: global<string | undefined>('runtime'), runtimeFlags: list('runtime-flag'), conmon: global<string | undefined>('conmon'),
    hooksDirs: list('hooks-dir'), networkCmdPath: global<string | undefined>('network-cmd-path'), volumepath: global<string | undefined>('volumepath'),
    namespace: global<string | undefined>('namespace'), storageDriver: global<string | undefined>('storage-driver'),
    defaultMountsFile: global<string | undefined>('default-mounts-file'),
  };
  // Loaded only when one is given: most commands take none, and start-up counts.
  if (Object.values(opts).some((v) => (Array.isArray(v) ? v.length : v !== undefined))) {
    const { applyGlobalOptions } = await import('./globals.js');
    await applyGlobalOptions({ ...opts, command, operands: parsed.operands });
  }
  // --noout: podman drops what commands print on stdout (errors still go to stderr).
  if (global<boolean | undefined>('noout')) {
    dropOutput();
    process.stdout.write = (() => true) as typeof process.stdout.write;
  }
  const logLevelHere = parsed.optionTokens.some((t) => t === '--log-level' || t.startsWith('--log-level='));
  const logLevel = logLevelHere ? parsed.values['log-level'] : root.values['log-level'];
  const options = parsed.optionTokens.at(-1) === '--' ? parsed.optionTokens.slice(0, -1) : parsed.optionTokens;
  const args: Args = {
    ...parsed.values, 'storage-opt': storageOpt, 'log-level': logLevel, command, operands: parsed.operands,
    // The command line as given, split for `generate systemd --new` to replay it.
    commandLine: { globals: root.optionTokens.filter((t) => t !== '--'), options, operands: parsed.operands },
  };
  const handler = await handlers[command]!();
  const code = await handler(args);
  if (typeof code === 'number') exitCode = code;
}

/** --log-level / --debug (before or after the command's name): podman's checks and words
 * (exit 1), then tspod's log lines from here on (util/log.ts). */
async function setUpLogging(root: Parsed, parsed: Parsed, command: string): Promise<void> {
  const { TspodError } = await import('../util/errors.js');
  const { log, logLevels, setLogLevel } = await import('../util/log.js');
  const tokens = [...root.optionTokens, ...parsed.optionTokens];
  const levelGiven = tokens.some((t) => t === '--log-level' || t.startsWith('--log-level='));
  const debug = Boolean(root.values.debug || parsed.values.debug);
  if (debug && levelGiven) throw Object.assign(new TspodError('Setting --log-level and --debug is not allowed', 1), { bare: true });
  const here = parsed.optionTokens.some((t) => t === '--log-level' || t.startsWith('--log-level='));
  const level = debug ? 'debug' : String(here ? parsed.values['log-level'] : root.values['log-level']);
  const known = logLevels as readonly string[];
  if (!known.includes(level)) throw Object.assign(new TspodError(`Log Level "${level}" is not supported, choose from: ${known.join(', ')}`, 1), { bare: true });
  setLogLevel(level as (typeof logLevels)[number]);
  log('info', `tspod filtering at log level ${level}`);
  log('debug', `Called ${command} with arguments ${JSON.stringify(process.argv.slice(2))}`);
  const { tspodPaths } = await import('../config/paths.js');
  const p = tspodPaths();
  log('trace', `storage in ${p.data}, runtime state in ${p.runtime}, configuration in ${p.config}`);
}
