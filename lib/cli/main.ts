// The tspod command line: the verb table (each verb's module is imported
// only when it runs), global flags, and the one place that prints
// "Error: ..." and picks the exit code.
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';

export interface GlobalOptions {
  logLevel: string;
  storageOpt: string[];
}

export function toArray(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** The verb's operands (after the verb), between min and max of them, or a clear error. */
export function positionals(a: Record<string, unknown>, verb: string, min: number, max = Infinity, what = 'argument'): string[] {
  const r = toArray(a._).slice(1);
  if (r.length < min || r.length > max) {
    const count = max === Infinity ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
    throw new TspodError(`tspod ${verb} needs ${count} ${what}${max === 1 || (max === Infinity && min === 1) ? '' : 's'}; see \`tspod ${verb} --help\``);
  }
  return r;
}

type VerbModule = {
  builder: (y: Argv) => Argv;
  handler: (a: Record<string, unknown>) => Promise<number | void>;
  /** Verbs that take IMAGE [COMMAND...] stop parsing options there (podman's SetInterspersed(false)). */
  valueFlags?: string[];
};
type Verb = { command: string; describe: string; module: () => Promise<VerbModule> };

/** Index of the first positional after the verb, skipping options and their values. */
export function firstOperand(argv: string[], verbIndex: number, valueFlags: string[]): number {
  const takesValue = (flag: string) => valueFlags.includes(flag);
  for (let i = verbIndex + 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return i + 1;
    if (!a.startsWith('-') || a === '-') return i;
    if (a.startsWith('--')) {
      if (!a.includes('=') && takesValue(a.slice(2))) i++;
    } else if (a.length === 2 && takesValue(a.slice(1))) {
      i++;
    } else if (a.length > 2 && !a.includes('=') && takesValue(a[a.length - 1]!) && !takesValue(a[1]!)) {
      i++; // -ie VALUE: a group of booleans ending in a value flag
    }
  }
  return argv.length;
}

const verbs: Verb[] = [
  { command: 'run', describe: 'Run a command in a new container', module: () => import('./run.js') },
  { command: 'create', describe: 'Create but do not start a container', module: () => import('./create.js') },
  { command: 'start', describe: 'Start one or more containers (detached)', module: async () => (await import('./lifecycle.js')).start },
  { command: 'stop', describe: 'Stop one or more containers', module: async () => (await import('./lifecycle.js')).stop },
  { command: 'kill', describe: 'Kill one or more running containers with a specific signal', module: async () => (await import('./lifecycle.js')).kill },
  { command: 'wait', describe: 'Block on one or more containers and print their exit codes', module: async () => (await import('./lifecycle.js')).wait },
  { command: 'pause', describe: 'Pause all the processes in one or more containers', module: async () => (await import('./lifecycle.js')).pause },
  { command: 'unpause', describe: 'Unpause the processes in one or more containers', module: async () => (await import('./lifecycle.js')).unpause },
  { command: 'attach', describe: 'Attach to a running container\'s terminal', module: async () => (await import('./lifecycle.js')).attach },
  { command: 'logs', describe: 'Fetch the logs of a container', module: async () => (await import('./lifecycle.js')).logs },
  { command: 'container-cleanup', describe: false as unknown as string, module: async () => (await import('./lifecycle.js')).cleanup },
  { command: 'rename', describe: 'Rename an existing container', module: async () => (await import('./more.js')).rename },
  { command: 'restart', describe: 'Restart one or more containers', module: async () => (await import('./more.js')).restart },
  { command: 'top', describe: 'Display the running processes of a container', module: async () => (await import('./more.js')).top },
  { command: 'port', describe: 'List the published ports of a container', module: async () => (await import('./more.js')).port },
  { command: 'diff', describe: 'Inspect changes to a container\'s file system', module: async () => (await import('./more.js')).diff },
  { command: 'unshare', describe: 'Run a command in your user namespace (as its root)', module: async () => (await import('./more.js')).unshare },
  { command: 'mount', describe: 'Mount a container\'s file system (inside tspod unshare)', module: async () => (await import('./more.js')).mount },
  { command: 'unmount', describe: 'Unmount a container\'s file system (inside tspod unshare)', module: async () => (await import('./more.js')).unmount },
  { command: 'umount', describe: false as unknown as string, module: async () => (await import('./more.js')).unmount },
  { command: 'commit', describe: 'Create a new image from a container\'s changes', module: async () => (await import('./more.js')).commit },
  { command: 'export', describe: 'Export a container\'s file system as a tar archive', module: async () => (await import('./more.js')).exportFs },
  { command: 'cp', describe: 'Copy files between a container and the host', module: async () => (await import('./more.js')).cp },
  { command: 'exec', describe: 'Run a process in a running container', module: () => import('./exec.js') },
  { command: 'inspect', describe: 'Display the configuration of a container or image', module: () => import('./inspect.js') },
  { command: 'ps', describe: 'List containers', module: () => import('./ps.js') },
  { command: 'rm', describe: 'Remove one or more containers', module: () => import('./rm.js') },
  { command: 'images', describe: 'List images in local storage', module: () => import('./images.js') },
  { command: 'load', describe: 'Load image(s) from a tar archive', module: () => import('./load.js') },
  { command: 'import', describe: 'Import a tarball to create a filesystem image', module: () => import('./import.js') },
  { command: 'tag', describe: 'Add an additional name to a local image', module: async () => (await import('./image-more.js')).tag },
  { command: 'untag', describe: 'Remove names from a local image', module: async () => (await import('./image-more.js')).untag },
  { command: 'history', describe: 'Show the history of an image', module: async () => (await import('./image-more.js')).history },
  { command: 'save', describe: 'Save image(s) to an archive', module: async () => (await import('./image-more.js')).save },
  { command: 'image-prune', describe: false as unknown as string, module: async () => (await import('./image-more.js')).prune },
  { command: 'pull', describe: 'Pull an image from a registry', module: async () => (await import('./registry.js')).pull },
  { command: 'push', describe: 'Push an image to a registry', module: async () => (await import('./registry.js')).push },
  { command: 'login', describe: 'Log in to a container registry', module: async () => (await import('./registry.js')).login },
  { command: 'logout', describe: 'Log out of a container registry', module: async () => (await import('./registry.js')).logout },
  { command: 'rmi', describe: 'Remove one or more images from local storage', module: () => import('./rmi.js') },
  { command: 'pod', describe: 'Manage pods: containers sharing a network, IPC and UTS namespace', module: () => import('./pod.js') },
  { command: 'generate', describe: 'Generate structured data (systemd units, Kubernetes YAML) for a container or pod', module: () => import('./generate.js') },
  { command: 'play', describe: 'Create pods and containers from Kubernetes YAML', module: () => import('./play.js') },
  { command: 'doctor', describe: 'Check that this host can run rootless containers, and say how to fix what is missing', module: () => import('./doctor.js') },
  { command: 'info', describe: 'Display tspod related system information', module: () => import('./info.js') },
  { command: 'system', describe: 'Manage tspod\'s storage (reset)', module: () => import('./system.js') },
  { command: 'version', describe: 'Display the tspod version information', module: () => import('./version.js') },
];

let exitCode = 0;

export async function main(argv: string[]): Promise<number> {
  exitCode = 0;
  const debug = process.env.TSPOD_DEBUG === '1' || argv.some((a, i) => a === '--log-level=debug' || (a === '--log-level' && argv[i + 1] === 'debug'));
  try {
    await dispatch(argv);
    return exitCode;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`Error: ${e.message}\n`);
    if (debug && e.stack) process.stderr.write(e.stack + '\n');
    return err instanceof TspodError ? err.exitCode : 125;
  }
}

/** podman's grouped spellings, mapped onto the flat verbs. */
const groupAliases: Record<string, Record<string, string[]>> = {
  image: { ls: ['images'], list: ['images'], rm: ['rmi'], inspect: ['inspect', '--type', 'image'], prune: ['image-prune'], tag: ['tag'],
    untag: ['untag'], history: ['history'], save: ['save'], load: ['load'], import: ['import'], pull: ['pull'], push: ['push'] },
  container: { ls: ['ps'], list: ['ps'], rm: ['rm'], inspect: ['inspect', '--type', 'container'], run: ['run'], create: ['create'],
    start: ['start'], stop: ['stop'], attach: ['attach'], kill: ['kill'], wait: ['wait'], logs: ['logs'], exec: ['exec'], restart: ['restart'],
    rename: ['rename'], top: ['top'], diff: ['diff'], cp: ['cp'], port: ['port'], export: ['export'], commit: ['commit'], mount: ['mount'], unmount: ['unmount'], umount: ['unmount'] },
};

export function expandGroups(argv: string[]): string[] {
  const i = firstOperand(argv, -1, ['storage-opt', 'log-level']);
  const group = groupAliases[argv[i] ?? ''];
  if (!group) return argv;
  const sub = argv[i + 1];
  const to = sub ? group[sub] : undefined;
  if (!to) throw new TspodError(`unknown command \`tspod ${argv[i]} ${sub ?? ''}\` (${Object.keys(group).join(', ')})`);
  return [...argv.slice(0, i), ...to, ...argv.slice(i + 2)];
}

async function dispatch(rawArgv: string[]): Promise<void> {
  const argv = expandGroups(rawArgv);
  if (argv[0] === '--version' || argv[0] === '-v') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`tspod version ${pkg.version}\n`);
    return;
  }
  const verbIndex = firstOperand(argv, -1, ['storage-opt', 'log-level']);
  const verbName = argv[verbIndex];
  const verb = verbs.find((v) => v.command === verbName);
  if (verbName !== undefined && !verb) throw new TspodError(`unrecognized command \`tspod ${verbName}\`: see \`tspod --help\``);
  const mod = verb ? await verb.module() : undefined;
  let operands: string[] = [];
  let parsed = argv;
  if (mod?.valueFlags) {
    const cut = firstOperand(argv, verbIndex, mod.valueFlags);
    operands = argv.slice(cut);
    parsed = argv.slice(0, cut).filter((a, i) => !(a === '--' && i === cut - 1));
  }
  const { default: yargs } = await import('yargs');
  const y = yargs(parsed)
    .scriptName('tspod')
    .usage('Usage: tspod [options] COMMAND')
    .option('log-level', { type: 'string', default: 'warn', choices: ['debug', 'info', 'warn', 'error'], describe: 'Log messages above this level' })
    .option('storage-opt', { type: 'string', describe: 'Storage driver option (overlay.mount_program=PATH; empty for native overlay)' })
    .parserConfiguration({ 'strip-aliased': true, 'boolean-negation': false, 'camel-case-expansion': false })
    .strictOptions()
    .help()
    .version(false)
    .wrap(Math.min(120, process.stdout.columns || 100))
    .fail((msg, err) => {
      throw err ?? new TspodError(msg.replace(/^Unknown arguments?: /, 'unknown flag: ').replace(/^Not enough non-option arguments.*/, `${msg}; see \`tspod ${verbName ?? ''} --help\``));
    });
  for (const v of verbs) {
    if (v === verb && mod) {
      y.command(v.command, v.describe, mod.builder, async (a) => {
        const code = await mod.handler({ ...(a as Record<string, unknown>), operands });
        if (typeof code === 'number') exitCode = code;
      });
    } else {
      y.command(v.command, v.describe);
    }
  }
  y.demandCommand(1, 'missing command: see `tspod --help`');
  await y.parseAsync();
}
