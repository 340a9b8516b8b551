// `tspod run [options] IMAGE [COMMAND [ARG...]]`
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';
import type { RunOptions } from '../engine/run.js';
import { toArray } from './main.js';
import { readIdFiles } from '../util/fs.js';
import { pullProgress } from './progress.js';
import { registryOptions } from './registry.js';

export const valueFlags = ['name', 'e', 'env', 'env-file', 'w', 'workdir', 'u', 'user', 'h', 'hostname', 'entrypoint',
  'v', 'volume', 'tmpfs', 'network', 'net', 'storage-opt', 'log-level', 'cap-add', 'cap-drop', 'security-opt', 'preserve-fds', 'restart', 'stop-signal', 'p', 'publish', 'pull', 'creds', 'authfile', 'platform', 'l', 'label', 'cidfile', 'sdnotify', 'cgroups', 'pod', 'pod-id-file'];

export function builder(y: Argv): Argv {
  return y
    .usage('Usage: tspod run [options] IMAGE [COMMAND [ARG...]]')
    .option('rm', { type: 'boolean', default: false, describe: 'Remove the container when it exits' })
    .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'Keep STDIN open' })
    .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'Allocate a pseudo-TTY' })
    .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'Run in the background under a monitor and print the container ID' })
    .option('name', { type: 'string', describe: 'Name the container' })
    .option('env', { alias: 'e', type: 'string', describe: 'Set an environment variable (KEY=VALUE, or KEY to copy it)' })
    .option('env-file', { type: 'string', describe: 'Read environment variables from a file' })
    .option('workdir', { alias: 'w', type: 'string', describe: 'Working directory inside the container' })
    .option('user', { alias: 'u', type: 'string', describe: 'USER[:GROUP] to run as (name or id)' })
    .option('hostname', { alias: 'h', type: 'string', describe: 'Container host name' })
    .option('entrypoint', { type: 'string', describe: 'Override the image entrypoint (a string or a JSON array)' })
    .option('volume', { alias: 'v', type: 'string', describe: 'Bind mount HOST-DIR:CONTAINER-DIR[:ro|rw]' })
    .option('tmpfs', { type: 'string', describe: 'Mount a tmpfs at DIR' })
    .option('read-only', { type: 'boolean', default: false, describe: 'Mount the root filesystem read-only' })
    .option('network', { alias: 'net', type: 'string', default: 'slirp4netns', describe: 'slirp4netns[:allow_host_loopback=true,mtu=N] | none | host' })
    .option('cap-add', { type: 'string', describe: 'Add capabilities (NAME, CAP_NAME or ALL)' })
    .option('cap-drop', { type: 'string', describe: 'Drop capabilities (NAME, CAP_NAME or ALL)' })
    .option('privileged', { type: 'boolean', default: false, describe: 'All capabilities, no seccomp filter, no masked paths' })
    .option('security-opt', { type: 'string', describe: 'seccomp=unconfined|PROFILE.json, no-new-privileges, mask=PATHS, unmask=ALL|PATHS' })
    .option('preserve-fds', { type: 'number', default: 0, describe: 'Pass N additional file descriptors (3 to 3+N-1) to the container' })
    .option('publish', { alias: 'p', type: 'string', describe: 'Publish a port: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp], ranges too' })
    .option('publish-all', { alias: 'P', type: 'boolean', default: false, describe: 'Publish every port the image exposes on a free host port' })
    .option('restart', { type: 'string', default: 'no', describe: 'Restart policy: no, on-failure[:N], always, unless-stopped' })
    .option('stop-signal', { type: 'string', describe: 'Signal `stop` sends first (default: the image\'s StopSignal, else TERM)' })
    .option('label', { alias: 'l', type: 'string', describe: 'Set a label: KEY=VALUE' })
    .option('pod', { type: 'string', describe: 'Run in this pod (new:NAME creates it)' })
    .option('pod-id-file', { type: 'string', describe: 'Run in the pod whose ID this file holds' })
    .option('cidfile', { type: 'string', describe: 'Write the container ID to this file' })
    .option('replace', { type: 'boolean', default: false, describe: 'Remove a container of the same --name first' })
    .option('sdnotify', { type: 'string', describe: 'How systemd learns the service is ready: conmon (tspod tells it once the container runs), ignore' })
    .option('cgroups', { type: 'string', describe: 'enabled, disabled, no-conmon or split (accepted; see docs/systemd.md)' })
    .option('pull', { type: 'string', default: 'missing', describe: 'Pull the image: missing (if not stored), always, never, newer' })
    .option('tls-verify', { type: 'boolean', describe: 'Require HTTPS and verify certificates when pulling' })
    .option('creds', { type: 'string', describe: 'USERNAME[:PASSWORD] for the registry' })
    .option('authfile', { type: 'string', describe: 'Path of the authentication file' })
    .option('platform', { type: 'string', describe: 'OS/ARCH[/VARIANT] to pull' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Say nothing while pulling the image' })
    .option('init', { type: 'boolean', default: false, describe: 'Run an init inside the container that forwards signals and reaps processes' })
    .help(false);
}

export async function handler(a: Record<string, unknown>): Promise<number> {
  const opts = toRunOptions(a, 'run');
  const { runContainer } = await import('../engine/run.js');
  return runContainer(opts);
}

export function toRunOptions(a: Record<string, unknown>, verb: 'run' | 'create'): RunOptions {
  const [image, ...command] = a.operands as string[];
  if (!image) throw new TspodError(`tspod ${verb} requires an image: tspod ${verb} [options] IMAGE [COMMAND [ARG...]]`);
  if ((a.detach || verb === 'create') && a.interactive && !a.tty) throw new TspodError(`tspod ${verb === 'run' ? 'run -d' : 'create'} -i without -t is not supported yet (a detached container's input comes through its terminal); add -t, or run in the foreground`);
  return {
    image,
    command,
    rm: Boolean(a.rm),
    interactive: Boolean(a.interactive),
    tty: Boolean(a.tty),
    name: a.name as string | undefined,
    env: toArray(a.env),
    envFile: toArray(a['env-file']),
    workdir: a.workdir as string | undefined,
    user: a.user as string | undefined,
    hostname: a.hostname as string | undefined,
    entrypoint: a.entrypoint as string | undefined,
    volumes: toArray(a.volume),
    tmpfs: toArray(a.tmpfs),
    readOnly: Boolean(a['read-only']),
    network: String(a.network),
    init: Boolean(a.init),
    storageOpts: toArray(a['storage-opt']),
    capAdd: toArray(a['cap-add']),
    capDrop: toArray(a['cap-drop']),
    privileged: Boolean(a.privileged),
    securityOpt: toArray(a['security-opt']),
    preserveFds: preserveFds(a['preserve-fds']),
    detach: Boolean(a.detach) || verb === 'create',
    restart: String(a.restart ?? 'no'),
    publish: toArray(a.publish),
    publishAll: Boolean(a['publish-all']),
    stopSignal: a['stop-signal'] as string | undefined,
    labels: toArray(a.label),
    cidfile: a.cidfile as string | undefined,
    podSpec: (a.pod as string | undefined) ?? readIdFiles(toArray(a['pod-id-file']), 'pod')[0],
    replace: Boolean(a.replace),
    sdnotify: a.sdnotify as string | undefined,
    cgroups: a.cgroups as string | undefined,
    createCommand: splitCommandLine(process.argv.slice(2), a.operands as string[]),
    pull: a.pull as string | undefined,
    pullOptions: { ...registryOptions(a), platform: a.platform as string | undefined, events: pullProgress(Boolean(a.quiet)) },
  };
}

function preserveFds(v: unknown): number {
  const n = Number(v ?? 0);
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new TspodError(`--preserve-fds takes a count of descriptors, not "${String(v)}"`);
  return n;
}

/** The command line as given, split into global flags, the verb's options and the operands
 * (IMAGE COMMAND...), which the verb's parser found at the end. */
export function splitCommandLine(argv: string[], operands: string[]): { globals: string[]; options: string[]; operands: string[] } {
  const verb = argv.findIndex((x) => x === 'run' || x === 'create');
  const end = argv.length - operands.length;
  return { globals: argv.slice(0, Math.max(verb, 0)).filter((x) => x !== 'container'), options: argv.slice(verb + 1, end).filter((x, i, all) => !(x === '--' && i === all.length - 1)), operands };
}
