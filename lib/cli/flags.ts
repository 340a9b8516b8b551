// The flag tables: one per command, each row a flag with podman's usage text;
// the container-creation rows are one list whose `verbs` says which commands share each.
import type { CommandSpec, FlagRow, SharedVerb } from './args.js';

/** Flags every command takes, before or after its name. */
export const globalFlags: FlagRow[] = [
  { name: 'cgroup-manager', type: 'string', choices: ['cgroupfs', 'systemd'], usage: 'Cgroup manager to use ("cgroupfs"|"systemd") (default "cgroupfs")' },
  { name: 'conmon', type: 'string', usage: 'Path of the conmon binary' },
  { name: 'events-backend', type: 'string', choices: ['file', 'journald', 'none'], usage: 'Events backend to use ("file"|"journald"|"none") (default "file")' },
  { name: 'hooks-dir', type: 'stringSlice', usage: 'Set the OCI hooks directory path (may be set multiple times)' },
  { name: 'namespace', type: 'string', usage: 'Set the libpod namespace, used to create separate views of the containers and pods on the system' },
  { name: 'network-cmd-path', type: 'string', usage: 'Path to the command for configuring the network' },
  { name: 'network-config-dir', type: 'string', usage: 'Path of the configuration directory for networks' },
  { name: 'noout', type: 'bool', usage: 'do not output to stdout' },
  { name: 'root', type: 'string', usage: 'Path to the root directory in which data, including images, is stored' },
  { name: 'runroot', type: 'string', usage: 'Path to the \'run directory\' where all state information is stored' },
  { name: 'runtime', type: 'string', usage: 'Path to the OCI-compatible binary used to run containers. (default "tspod-launch")' },
  { name: 'runtime-flag', type: 'stringArray', usage: 'add global flags for the container runtime' },
  { name: 'storage-driver', type: 'string', usage: 'Select which storage driver is used to manage storage of images and containers' },
  { name: 'syslog', type: 'bool', usage: 'Output logging information to syslog as well as the console (default false)' },
  { name: 'tmpdir', type: 'string', usage: 'Path to the tmp directory for libpod state content' },
  { name: 'volumepath', type: 'string', usage: 'Path to the volume directory in which volume data is stored' },
  { name: 'log-level', type: 'string', def: 'warn', choices: ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic'], usage: 'Log messages above specified level (trace, debug, info, warn, warning, error, fatal, panic)' },
  { name: 'storage-opt', type: 'stringArray', usage: 'Used to pass an option to the storage driver' },
];

/** Root-only: `tspod --version`. */
export const rootFlags: FlagRow[] = [
  ...globalFlags,
  { name: 'version', short: 'v', type: 'bool', usage: 'version for tspod' },
];

const RC: SharedVerb[] = ['run', 'create'];
const RCP: SharedVerb[] = ['run', 'create', 'pod create'];

/** The rows of run, create and pod create (podman's createFlags): a new flag is one more row here. */
export const containerFlags: FlagRow[] = [
  { verbs: RC, name: 'authfile', type: 'string', usage: 'Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' },
  { verbs: RC, name: 'cap-add', type: 'stringSlice', usage: 'Add capabilities to the container' },
  { verbs: RC, name: 'cap-drop', type: 'stringSlice', usage: 'Drop capabilities from the container' },
  { verbs: RC, name: 'cgroups', type: 'string', usage: 'control container cgroup configuration ("enabled"|"disabled"|"no-conmon"|"split") (default "enabled")' },
  { verbs: RC, name: 'cidfile', type: 'string', usage: 'Write the container ID to the file' },
  { verbs: RC, name: 'creds', type: 'string', arg: 'Credentials', usage: 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry' },
  { verbs: ['run'], name: 'detach', short: 'd', type: 'bool', usage: 'Run container in background and print container ID' },
  { verbs: RC, name: 'entrypoint', type: 'string', usage: 'Overwrite the default ENTRYPOINT of the image' },
  { verbs: RC, name: 'env', short: 'e', type: 'stringArray', usage: 'Set environment variables in container (default [PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,TERM=xterm])' },
  { verbs: RC, name: 'env-file', type: 'stringSlice', usage: 'Read in a file of environment variables' },
  { verbs: RCP, name: 'hostname', short: 'h', type: 'string', usage: 'Set container hostname' },
  { verbs: RC, name: 'init', type: 'bool', usage: 'Run an init binary inside the container that forwards signals and reaps processes' },
  { verbs: RC, name: 'interactive', short: 'i', type: 'bool', usage: 'Keep STDIN open even if not attached' },
  { verbs: RCP, name: 'label', short: 'l', type: 'stringArray', usage: 'Set metadata on container' },
  { verbs: RC, name: 'name', type: 'string', usage: 'Assign a name to the container' },
  { verbs: RCP, name: 'network', aliases: ['net'], type: 'string', def: 'slirp4netns', usage: 'Connect a container to a network' },
  { verbs: RCP, name: 'network-alias', type: 'stringSlice', usage: 'Add network-scoped alias for the container' },
  { verbs: RCP, name: 'ip', type: 'string', usage: 'Specify a static IPv4 address for the container' },
  { verbs: RCP, name: 'ip6', type: 'string', usage: 'Specify a static IPv6 address for the container' },
  { verbs: RCP, name: 'mac-address', type: 'string', usage: 'Container MAC address (e.g. 92:d0:c6:0a:29:33)' },
  { verbs: RC, name: 'platform', type: 'string', usage: 'Specify the platform for selecting the image.  (Conflicts with --arch and --os)' },
  { verbs: RC, name: 'pod', type: 'string', usage: 'Run container in an existing pod' },
  { verbs: RC, name: 'pod-id-file', type: 'string', usage: 'Read the pod ID from the file' },
  { verbs: RC, name: 'preserve-fds', type: 'uint', def: 0, usage: 'Pass a number of additional file descriptors into the container' },
  { verbs: RC, name: 'privileged', type: 'bool', usage: 'Give extended privileges to container' },
  { verbs: RCP, name: 'publish', short: 'p', type: 'stringSlice', usage: 'Publish a container\'s port, or a range of ports, to the host (default [])' },
  { verbs: RC, name: 'publish-all', short: 'P', type: 'bool', usage: 'Publish all exposed ports to random ports on the host interface' },
  // run/create read `--pull WORD` (podman since 2.0; `--pull never IMAGE` is common). build's
  // --pull, when it comes, is the optional kind: a row with `optional: 'true'` and verbs ['build'].
  { verbs: RC, name: 'pull', type: 'string', def: 'missing', usage: 'Pull image policy' },
  { verbs: RC, name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress output information when pulling images' },
  { verbs: RC, name: 'read-only', type: 'bool', usage: 'Make containers root filesystem read-only' },
  { verbs: RC, name: 'replace', type: 'bool', usage: 'If a container with the same name exists, replace it' },
  { verbs: RC, name: 'restart', type: 'string', def: 'no', usage: 'Restart policy to apply when a container exits ("always"|"no"|"on-failure"|"unless-stopped")' },
  { verbs: RC, name: 'rm', type: 'bool', usage: 'Remove container (and pod if created) after exit' },
  { verbs: RC, name: 'sdnotify', type: 'string', usage: 'control sd-notify behavior ("container"|"conmon"|"ignore") (default "container")' },
  { verbs: RC, name: 'security-opt', type: 'stringArray', usage: 'Security Options' },
  { verbs: RC, name: 'stop-signal', type: 'string', usage: 'Signal to stop a container. Default is SIGTERM' },
  { verbs: RC, name: 'tls-verify', type: 'bool', usage: 'Require HTTPS and verify certificates when contacting registries for pulling images' },
  { verbs: RC, name: 'tmpfs', type: 'stringArray', arg: 'tmpfs', usage: 'Mount a temporary filesystem (tmpfs) into a container' },
  { verbs: RC, name: 'tty', short: 't', type: 'bool', usage: 'Allocate a pseudo-TTY for container' },
  { verbs: RC, name: 'user', short: 'u', type: 'string', usage: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { verbs: RC, name: 'volume', short: 'v', type: 'stringArray', usage: 'Bind mount a volume into the container' },
  { verbs: RC, name: 'workdir', short: 'w', type: 'string', usage: 'Working directory inside the container' },
  // issue 12: /etc/hosts and /etc/resolv.conf (lib/spec/options.ts, network/etc-files.ts)
  { verbs: RC, name: 'add-host', type: 'stringSlice', usage: 'Add a custom host-to-IP mapping (host:ip) (default [])' },
  { verbs: RC, name: 'dns', type: 'stringSlice', usage: 'Set custom DNS servers' },
  { verbs: RC, name: 'dns-option', type: 'stringSlice', usage: 'Set custom DNS options' },
  { verbs: RC, name: 'dns-search', type: 'stringSlice', usage: 'Set custom DNS search domains' },
  { verbs: RC, name: 'no-hosts', type: 'bool', usage: 'Do not create /etc/hosts within the container, instead use the version from the image' },
  // mounts (lib/spec/mounts.ts)
  { verbs: RC, name: 'mount', type: 'stringArray', usage: 'Attach a filesystem mount to the container' },
  { verbs: RC, name: 'volumes-from', type: 'stringArray', usage: 'Mount volumes from the specified container(s)' },
  // metadata and environment
  { verbs: RC, name: 'annotation', type: 'stringSlice', usage: 'Add annotations to container (key=value)' },
  { verbs: RC, name: 'env-host', type: 'bool', usage: 'Use all current host environment variables in container' },
  { verbs: RC, name: 'expose', type: 'stringSlice', usage: 'Expose a port or a range of ports' },
  { verbs: RC, name: 'label-file', type: 'stringSlice', usage: 'Read in a line delimited file of labels' },
  { verbs: RC, name: 'unsetenv', type: 'stringArray', usage: 'Unset environment default variables in container' },
  { verbs: RC, name: 'unsetenv-all', type: 'bool', usage: 'Unset all default environment variables in container' },
  // set by tspod-launch right before exec
  { verbs: RC, name: 'group-add', type: 'stringSlice', usage: 'Add additional groups to the primary container process. \'keep-groups\' allows container processes to use supplementary groups.' },
  { verbs: RC, name: 'ulimit', type: 'stringSlice', usage: 'Ulimit options' },
  { verbs: RC, name: 'umask', type: 'string', def: '0022', usage: 'Set umask in container' },
  { verbs: RC, name: 'conmon-pidfile', type: 'string', usage: 'Path to the file that will receive the PID of conmon' },
  { verbs: RC, name: 'pidfile', type: 'string', usage: 'Write the container process ID to the file' },
  { verbs: RC, name: 'read-only-tmpfs', type: 'bool', def: true, usage: 'When running containers in read-only mode mount a read-write tmpfs on /run, /tmp and /var/tmp' },
  { verbs: ['run'], name: 'rmi', type: 'bool', usage: 'Remove container image unless used by other containers' },
  { verbs: RC, name: 'shm-size', type: 'string', arg: '<number>[<unit>]', def: '65536k', usage: 'Size of /dev/shm (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))' },
  { verbs: RC, name: 'timeout', type: 'uint', def: 0, usage: 'Maximum length of time a container is allowed to run. The container will be killed automatically after the time expires.' },
  { verbs: RC, name: 'tz', type: 'string', usage: 'Set timezone in container' },
  // podman's flags that cannot apply on this host: accepted as podman accepts them, or refused with the reason (docs/cli.md)
  { verbs: RC, name: 'arch', type: 'string', arg: 'ARCH', usage: 'use ARCH instead of the architecture of the machine for choosing images' },
  { verbs: RC, name: 'os', type: 'string', arg: 'OS', usage: 'use OS instead of the running OS for choosing images' },
  { verbs: RC, name: 'variant', type: 'string', arg: 'VARIANT', usage: 'Use VARIANT instead of the running architecture variant for choosing images' },
  { verbs: RC, name: 'cgroup-parent', type: 'string', usage: 'Optional parent cgroup for the container' },
  { verbs: RC, name: 'image-volume', type: 'string', def: 'bind', usage: 'Tells tspod how to handle the builtin image volumes ("bind"|"tmpfs"|"ignore")' },
  { verbs: RC, name: 'init-path', type: 'string', usage: 'Path to the container-init binary' },
  { verbs: RC, name: 'personality', type: 'string', usage: 'Configure execution domain using personality (e.g., LINUX/LINUX32)' },
  { verbs: RC, name: 'seccomp-policy', type: 'string', def: 'default', usage: 'Policy for selecting a seccomp profile (experimental)' },
  { verbs: RC, name: 'systemd', type: 'string', def: 'true', usage: 'Run container in systemd mode ("true"|"false"|"always")' },
  { verbs: ['run'], name: 'attach', short: 'a', type: 'stringSlice', usage: 'Attach to STDIN, STDOUT or STDERR' },
  { verbs: RC, name: 'log-driver', type: 'string', usage: 'Logging driver for the container (default "k8s-file")' },
  { verbs: RC, name: 'log-opt', type: 'stringSlice', usage: 'Logging driver options' },
  { verbs: RC, name: 'oom-score-adj', type: 'int', usage: 'Tune the host\'s OOM preferences (-1000 to 1000)' },
  // resource limits: validated and recorded; ignored with podman's warning on cgroups v1 rootless (docs/cli.md)
  { verbs: RC, name: 'blkio-weight', type: 'string', usage: 'Block IO weight (relative weight) accepts a weight value between 10 and 1000.' },
  { verbs: RC, name: 'blkio-weight-device', type: 'stringSlice', arg: 'DEVICE_NAME:WEIGHT', usage: 'Block IO weight (relative device weight, format: DEVICE_NAME:WEIGHT)' },
  { verbs: RC, name: 'cpu-period', type: 'uint', usage: 'Limit the CPU CFS (Completely Fair Scheduler) period' },
  { verbs: RC, name: 'cpu-quota', type: 'int', usage: 'Limit the CPU CFS (Completely Fair Scheduler) quota' },
  { verbs: RC, name: 'cpu-rt-period', type: 'uint', usage: 'Limit the CPU real-time period in microseconds' },
  { verbs: RC, name: 'cpu-rt-runtime', type: 'int', usage: 'Limit the CPU real-time runtime in microseconds' },
  { verbs: RC, name: 'cpu-shares', short: 'c', type: 'uint', usage: 'CPU shares (relative weight)' },
  { verbs: RC, name: 'cpus', type: 'string', arg: 'float', usage: 'Number of CPUs. The default is 0.000 which means no limit' },
  { verbs: RC, name: 'cpuset-cpus', type: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
  { verbs: RC, name: 'cpuset-mems', type: 'string', usage: 'Memory nodes (MEMs) in which to allow execution (0-3, 0,1). Only effective on NUMA systems.' },
  { verbs: RC, name: 'device-read-bps', type: 'stringSlice', usage: 'Limit read rate (bytes per second) from a device (e.g. --device-read-bps=/dev/sda:1mb)' },
  { verbs: RC, name: 'device-read-iops', type: 'stringSlice', usage: 'Limit read rate (IO per second) from a device (e.g. --device-read-iops=/dev/sda:1000)' },
  { verbs: RC, name: 'device-write-bps', type: 'stringSlice', usage: 'Limit write rate (bytes per second) to a device (e.g. --device-write-bps=/dev/sda:1mb)' },
  { verbs: RC, name: 'device-write-iops', type: 'stringSlice', usage: 'Limit write rate (IO per second) to a device (e.g. --device-write-iops=/dev/sda:1000)' },
  { verbs: RC, name: 'kernel-memory', type: 'string', hidden: true, usage: 'Kernel memory limit (a no-op, as in podman)' },
  { verbs: RC, name: 'memory', short: 'm', type: 'string', arg: '<number>[<unit>]', usage: 'Memory limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))' },
  { verbs: RC, name: 'memory-reservation', type: 'string', arg: '<number>[<unit>]', usage: 'Memory soft limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))' },
  { verbs: RC, name: 'memory-swap', type: 'string', usage: 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap' },
  { verbs: RC, name: 'memory-swappiness', type: 'int', def: -1, usage: 'Tune container memory swappiness (0 to 100, or -1 for system default)' },
  { verbs: RC, name: 'oom-kill-disable', type: 'bool', usage: 'Disable OOM Killer' },
  { verbs: RC, name: 'pids-limit', type: 'int', usage: 'Tune container pids limit (set -1 for unlimited)' },
];

const shared = (verb: SharedVerb): FlagRow[] => containerFlags.filter((r) => r.verbs!.includes(verb));

const detachKeys: FlagRow = { name: 'detach-keys', type: 'string', arg: '[a-Z]', def: 'ctrl-p,ctrl-q', usage: 'Select the key sequence for detaching a container. Format is a single character [a-Z] or a comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-z`, `@`, `^`, `[`, `\\`, `]`, `^` or `_`' };
const stopTime: FlagRow = { name: 'time', short: 't', type: 'uint', def: 10, usage: 'Seconds to wait for stop before killing the container' };
const ignore: FlagRow = { name: 'ignore', short: 'i', type: 'bool', usage: 'Ignore errors when a specified container is missing' };
const cidfiles: FlagRow = { name: 'cidfile', type: 'stringArray', usage: 'Read the container ID from the file' };
const authfile: FlagRow = { name: 'authfile', type: 'string', usage: 'Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' };
const creds: FlagRow = { name: 'creds', type: 'string', arg: 'Credentials', usage: 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry' };
const tlsVerify: FlagRow = { name: 'tls-verify', type: 'bool', usage: 'Require HTTPS and verify certificates when contacting registries (default true)' };
const formatFlag = (usage: string, short?: string): FlagRow => ({ name: 'format', short, type: 'string', usage });
const podIdFiles = (usage: string): FlagRow => ({ name: 'pod-id-file', type: 'stringArray', usage });
const podIgnore: FlagRow = { name: 'ignore', short: 'i', type: 'bool', usage: 'Ignore errors when a specified pod is missing' };
const latest: FlagRow = { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container tspod is aware of' };
const podLatest: FlagRow = { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest pod tspod is aware of' };
const ctrFilter: FlagRow = { name: 'filter', short: 'f', type: 'stringSlice', usage: 'Filter output based on conditions given' };
const allFlag = (usage: string, short: string | null = 'a'): FlagRow => ({ name: 'all', short: short ?? undefined, type: 'bool', usage });

/** Every command, by the words that name it. */
export const commands: Record<string, CommandSpec> = {
  run: { usage: 'tspod run [options] IMAGE [COMMAND [ARG...]]', describe: 'Run a command in a new container', flags: shared('run'), interspersed: false },
  create: { usage: 'tspod create [options] IMAGE [COMMAND [ARG...]]', describe: 'Create but do not start a container', flags: shared('create'), interspersed: false },
  start: { usage: 'tspod start [options] CONTAINER [CONTAINER...]', describe: 'Start one or more containers', flags: [
    allFlag('Start all containers regardless of their state or configuration', null),
    { name: 'attach', short: 'a', type: 'bool', usage: 'Attach container\'s STDOUT and STDERR' },
    detachKeys, ctrFilter,
    { name: 'interactive', short: 'i', type: 'bool', usage: 'Keep STDIN open even if not attached' },
    latest,
    { name: 'sig-proxy', type: 'bool', usage: 'Proxy received signals to the process (default true if attaching, false otherwise)' },
  ] },
  stop: { usage: 'tspod stop [options] CONTAINER [CONTAINER...]', describe: 'Stop one or more containers', flags: [allFlag('Stop all running containers'), cidfiles, ctrFilter, ignore, latest, stopTime] },
  kill: { usage: 'tspod kill [options] CONTAINER [CONTAINER...]', describe: 'Kill one or more running containers with a specific signal', flags: [
    allFlag('Signal all running containers'), cidfiles, latest,
    { name: 'signal', short: 's', type: 'string', def: 'KILL', usage: 'Signal to send to the container' },
  ] },
  wait: { usage: 'tspod wait [options] CONTAINER [CONTAINER...]', describe: 'Block on one or more containers', flags: [
    { name: 'condition', type: 'stringSlice', usage: 'Condition to wait on' },
    { name: 'interval', short: 'i', type: 'string', def: '250ms', usage: 'Time Interval to wait before polling for completion' },
    latest,
  ] },
  pause: { usage: 'tspod pause [options] CONTAINER [CONTAINER...]', describe: 'Pause all the processes in one or more containers', flags: [allFlag('Pause all running containers'), cidfiles, ctrFilter, latest] },
  unpause: { usage: 'tspod unpause [options] CONTAINER [CONTAINER...]', describe: 'Unpause the processes in one or more containers', flags: [allFlag('Unpause all paused containers'), cidfiles, ctrFilter, latest] },
  stats: { usage: 'tspod stats [options] [CONTAINER...]', describe: 'Display a live stream of container resource usage statistics', flags: [
    allFlag('Show all containers. Only running containers are shown by default. The default is false'),
    formatFlag('Pretty-print container statistics to JSON or using a Go template'),
    { name: 'interval', short: 'i', type: 'int', def: 5, usage: 'Time in seconds between stats reports' },
    latest,
    { name: 'no-reset', type: 'bool', usage: 'Disable resetting the screen between intervals' },
    { name: 'no-stream', type: 'bool', usage: 'Disable streaming stats and only pull the first result, default setting is false' },
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate output' },
  ] },
  init: { usage: 'tspod init [options] CONTAINER [CONTAINER...]', describe: 'Initialize one or more containers', flags: [allFlag('Initialize all containers'), latest] },
  'container prune': { usage: 'tspod container prune [options]', describe: 'Remove all non running containers', maxArgs: 0, flags: [
    { name: 'filter', type: 'stringArray', usage: 'Provide filter values (e.g. \'label=<key>=<value>\')' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Do not prompt for confirmation.  The default is false' },
  ] },
  attach: { usage: 'tspod attach [options] CONTAINER', describe: 'Attach to a running container', flags: [detachKeys] },
  logs: { usage: 'tspod logs [options] CONTAINER [CONTAINER...]', describe: 'Fetch the logs of one or more containers', flags: [
    { name: 'color', type: 'bool', usage: 'Output the containers with different colors in the log.' },
    { name: 'follow', short: 'f', type: 'bool', usage: 'Follow log output.  The default is false' },
    latest,
    { name: 'names', short: 'n', type: 'bool', usage: 'Output the container name in the log' },
    { name: 'since', type: 'string', usage: 'Show logs since TIMESTAMP' },
    { name: 'tail', type: 'int', usage: 'Output the specified number of LINES at the end of the logs.  Defaults to -1, which prints all lines (default -1)' },
    { name: 'timestamps', short: 't', type: 'bool', usage: 'Output the timestamps in the log' },
    { name: 'until', type: 'string', usage: 'Show logs until TIMESTAMP' },
  ] },
  'container-cleanup': { usage: 'tspod container-cleanup CONTAINER', describe: 'Clean up after a container exits (the monitor runs this)', flags: [], hidden: true },
  rename: { usage: 'tspod rename CONTAINER NAME', describe: 'Rename an existing container', flags: [] },
  restart: { usage: 'tspod restart [options] CONTAINER [CONTAINER...]', describe: 'Restart one or more containers', flags: [
    allFlag('Restart all non-running containers'), cidfiles, ctrFilter, latest,
    { name: 'running', type: 'bool', usage: 'Restart only running containers' },
    stopTime,
  ] },
  top: { usage: 'tspod top [options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]', describe: 'Display the running processes of a container', flags: [], interspersed: false,
    more: 'Format descriptors: user pid ppid pcpu etime tty time args comm group nice vsz hpid huser state' },
  port: { usage: 'tspod port [options] CONTAINER [PORT]', describe: 'List port mappings or a specific mapping for the container', flags: [allFlag('Display port information for all containers'), latest] },
  diff: { usage: 'tspod diff [options] {CONTAINER|IMAGE} [{CONTAINER|IMAGE}]', describe: 'Inspect changes to the container\'s file systems', flags: [formatFlag('Change the output format (json)')] },
  unshare: { usage: 'tspod unshare [options] [COMMAND [ARG...]]', describe: 'Run a command in a modified user namespace', flags: [], interspersed: false,
    more: 'Runs COMMAND (default: $SHELL) as root of your user namespace, in a mount namespace of its own.' },
  mount: { usage: 'tspod mount [options] [CONTAINER...]', describe: 'Mount a working container\'s root filesystem (inside tspod unshare)', flags: [] },
  unmount: { usage: 'tspod unmount [options] CONTAINER [CONTAINER...]', describe: 'Unmount working container\'s root filesystem (inside tspod unshare)', flags: [] },
  commit: { usage: 'tspod commit [options] CONTAINER [IMAGE]', describe: 'Create new image based on the changed container', flags: [
    { name: 'author', short: 'a', type: 'string', usage: 'Set the author for the image committed' },
    { name: 'change', short: 'c', type: 'stringArray', usage: 'Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR' },
    { name: 'message', short: 'm', type: 'string', usage: 'Set commit message for imported image' },
    { name: 'pause', short: 'p', type: 'bool', usage: 'Pause container during commit' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress output' },
  ] },
  export: { usage: 'tspod export [options] CONTAINER', describe: 'Export container\'s filesystem contents as a tar archive', flags: [
    { name: 'output', short: 'o', type: 'string', usage: 'Write to a specified file (default: stdout, which must be redirected)' },
  ] },
  cp: { usage: 'tspod cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH', describe: 'Copy files/folders between a container and the local filesystem', flags: [] },
  exec: { usage: 'tspod exec [options] CONTAINER [COMMAND [ARG...]]', describe: 'Run a process in a running container', interspersed: false, flags: [
    { name: 'detach', short: 'd', type: 'bool', usage: 'Run the exec session in detached mode (backgrounded)' },
    { name: 'env', short: 'e', type: 'stringArray', usage: 'Set environment variables' },
    { name: 'interactive', short: 'i', type: 'bool', usage: 'Keep STDIN open even if not attached' },
    { name: 'tty', short: 't', type: 'bool', usage: 'Allocate a pseudo-TTY. The default is false' },
    { name: 'user', short: 'u', type: 'string', usage: 'Sets the username or UID used and optionally the groupname or GID for the specified command' },
    { name: 'workdir', short: 'w', type: 'string', usage: 'Working directory inside the container' },
  ] },
  inspect: { usage: 'tspod inspect [options] {CONTAINER|IMAGE|POD|NETWORK|VOLUME} [...]', describe: 'Display the configuration of object denoted by ID', flags: [
    formatFlag('Format the output to a Go template or json (default "json")', 'f'),
    latest,
    { name: 'type', short: 't', type: 'string', def: 'all', choices: ['all', 'container', 'image'], usage: 'Specify inspect-object type' },
  ] },
  ps: { usage: 'tspod ps [options]', describe: 'List containers', maxArgs: 0, flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Show all the containers, default is only running containers' },
    { name: 'filter', short: 'f', type: 'stringSlice', usage: 'Filter output based on conditions given' },
    formatFlag('Pretty-print containers to JSON or using a Go template'),
    { name: 'last', short: 'n', type: 'int', usage: 'Print the n last created containers (all states) (default -1)' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container tspod is aware of' },
    { name: 'external', type: 'bool', usage: 'Show containers in storage not controlled by tspod' },
    { name: 'no-trunc', type: 'bool', usage: 'Display the extended information' },
    { name: 'noheading', type: 'bool', usage: 'Do not print headers' },
    { name: 'ns', type: 'bool', usage: 'Display namespace information' },
    { name: 'pod', short: 'p', type: 'bool', usage: 'Print the ID and name of the pod the containers are associated with' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Print the numeric IDs of the containers only' },
    { name: 'size', short: 's', type: 'bool', usage: 'Display the total file sizes' },
    { name: 'sort', type: 'string', arg: 'choice', def: 'created', usage: 'Sort output by: command, created, id, image, names, runningfor, size, status' },
    { name: 'sync', type: 'bool', usage: 'Sync container state with OCI runtime' },
    { name: 'watch', short: 'w', type: 'uint', usage: 'Watch the ps output on an interval in seconds' },
  ] },
  rm: { usage: 'tspod rm [options] CONTAINER [CONTAINER...]', describe: 'Remove one or more containers', flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove all containers' },
    cidfiles,
    { name: 'filter', type: 'stringSlice', usage: 'Filter output based on conditions given' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Force removal of a running or unusable container' },
    ignore, latest,
    { name: 'time', short: 't', type: 'uint', usage: 'Seconds to wait for stop before killing the container (default 10)' },
    { name: 'volumes', short: 'v', type: 'bool', usage: 'Remove anonymous volumes associated with the container' },
  ] },
  images: { usage: 'tspod images [options] [IMAGE]', describe: 'List images in local storage', flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Show all images (default hides intermediate images)' },
    { name: 'digests', type: 'bool', usage: 'Show digests' },
    { name: 'filter', short: 'f', type: 'stringSlice', usage: 'Filter output based on conditions provided (default [])' },
    formatFlag('Change the output format to JSON or a Go template'),
    { name: 'history', type: 'bool', usage: 'Display the image name history' },
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate output' },
    { name: 'noheading', short: 'n', type: 'bool', usage: 'Do not print column headings' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Display only image IDs' },
    { name: 'sort', type: 'string', def: 'created', usage: 'Sort by created, id, repository, size, tag' },
  ] },
  load: { usage: 'tspod load [options]', describe: 'Load image(s) from a tar archive', maxArgs: 0, flags: [
    { name: 'input', short: 'i', type: 'string', usage: 'Read from specified archive file (default: stdin)' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress the output' },
  ] },
  import: { usage: 'tspod import [options] PATH [REFERENCE]', describe: 'Import a tarball to create a filesystem image', flags: [
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress output' },
  ] },
  tag: { usage: 'tspod tag IMAGE TARGET_NAME [TARGET_NAME...]', describe: 'Add an additional name to a local image', flags: [] },
  untag: { usage: 'tspod untag IMAGE [IMAGE...]', describe: 'Remove a name from a local image', flags: [] },
  history: { usage: 'tspod history [options] IMAGE', describe: 'Show history of a specified image', flags: [
    formatFlag('Change the output to JSON or a Go template'),
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate the output' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Display the numeric IDs only' },
  ] },
  save: { usage: 'tspod save [options] IMAGE [IMAGE...]', describe: 'Save image(s) to an archive', flags: [
    { name: 'format', type: 'string', def: 'docker-archive', choices: ['docker-archive', 'oci-archive', 'oci-dir'], usage: 'Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive' },
    { name: 'output', short: 'o', type: 'string', usage: 'Write to a specified file (default: stdout, which must be redirected)' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress the output' },
  ] },
  build: { usage: 'tspod build [options] [CONTEXT]', describe: 'Build an image using instructions from Containerfiles', maxArgs: 1, flags: [
    { name: 'build-arg', type: 'stringArray', usage: 'argument=value to supply to the builder' },
    { name: 'file', short: 'f', type: 'stringArray', usage: 'pathname or URL of a Dockerfile' },
    { name: 'iidfile', type: 'string', arg: 'file', usage: 'file to write the image ID to' },
    { name: 'label', type: 'stringArray', usage: 'Set metadata for an image (default [])' },
    { name: 'layers', type: 'bool', def: true, usage: 'Use intermediate layers during build. Use BUILDAH_LAYERS environment variable to override.' },
    { name: 'network', type: 'string', usage: 'Sets the configuration for network namespaces when handling RUN instructions' },
    { name: 'no-cache', type: 'bool', usage: 'Do not use existing cached images for the container build. Build from the start with a new set of cached layers.' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'refrain from announcing build instructions and image read/write progress' },
    { name: 'tag', short: 't', type: 'stringArray', usage: 'tagged name to apply to the built image' },
    { name: 'target', type: 'string', usage: 'set the target build stage to build' },
  ] },
  'image prune': { usage: 'tspod image prune [options]', describe: 'Remove unused images', maxArgs: 0, flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove all images not in use by containers, not just dangling ones' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Do not prompt for confirmation' },
  ] },
  pull: { usage: 'tspod pull [options] IMAGE [IMAGE...]', describe: 'Pull an image from a registry', flags: [
    { name: 'arch', type: 'string', arg: 'ARCH', usage: 'Use ARCH instead of the architecture of the machine for choosing images' },
    authfile, creds,
    { name: 'os', type: 'string', arg: 'OS', usage: 'Use OS instead of the running OS for choosing images' },
    { name: 'platform', type: 'string', usage: 'Specify the platform for selecting the image.  (Conflicts with arch and os)' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress output information when pulling images' },
    tlsVerify,
  ] },
  push: { usage: 'tspod push [options] IMAGE [DESTINATION]', describe: 'Push an image to a specified destination', flags: [
    authfile, creds,
    { name: 'digestfile', type: 'string', usage: 'Write the digest of the pushed image to the specified file' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress output information when pushing images' },
    tlsVerify,
  ] },
  login: { usage: 'tspod login [options] [REGISTRY]', describe: 'Log in to a container registry', flags: [
    { ...authfile, usage: 'path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' },
    creds,
    { name: 'get-login', type: 'bool', usage: 'Return the current login user for the registry' },
    { name: 'password', short: 'p', type: 'string', usage: 'Password for registry' },
    { name: 'password-stdin', type: 'bool', usage: 'Take the password from stdin' },
    { name: 'tls-verify', type: 'bool', usage: 'Require HTTPS and verify certificates when contacting registries' },
    { name: 'username', short: 'u', type: 'string', usage: 'Username for registry' },
  ] },
  logout: { usage: 'tspod logout [options] [REGISTRY]', describe: 'Log out of a container registry', flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove the cached credentials for all registries in the auth file' },
    { ...authfile, usage: 'path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' },
  ] },
  rmi: { usage: 'tspod rmi [options] IMAGE [IMAGE...]', describe: 'Removes one or more images from local storage', flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove all images' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Force Removal of the image' },
    { name: 'ignore', short: 'i', type: 'bool', usage: 'Ignore errors if a specified image does not exist' },
    { name: 'no-prune', type: 'bool', usage: 'Do not remove dangling images' },
  ] },
  'pod create': { usage: 'tspod pod create [options] [NAME]', describe: 'Create a new empty pod', flags: [
    { name: 'exit-policy', type: 'string', usage: 'Behaviour when the last container exits (default "continue")' },
    ...shared('pod create'),
    { name: 'infra', type: 'bool', usage: 'Create an infra container associated with the pod to share namespaces with (default true)' },
    { name: 'infra-conmon-pidfile', type: 'string', usage: 'Path to the file that will receive the PID of conmon' },
    { name: 'infra-image', type: 'string', usage: 'Image to use to override builtin infra container' },
    { name: 'name', short: 'n', type: 'string', usage: 'Assign a name to the pod' },
    { name: 'pod-id-file', type: 'string', usage: 'Write the pod ID to the file' },
    { name: 'replace', type: 'bool', usage: 'If a pod with the same name exists, replace it' },
    { name: 'share', type: 'string', usage: 'A comma delimited list of kernel namespaces the pod will share (default "ipc,net,uts")' },
  ] },
  'pod start': { usage: 'tspod pod start [options] POD [POD...]', describe: 'Start one or more pods', flags: [allFlag('Restart all running pods'), podLatest, podIdFiles('Read the pod ID from the file')] },
  'pod stop': { usage: 'tspod pod stop [options] POD [POD...]', describe: 'Stop one or more pods', flags: [
    allFlag('Stop all running pods'), podIgnore, podLatest, podIdFiles('Read the pod ID from the file'),
    { name: 'time', short: 't', type: 'uint', def: 10, usage: 'Seconds to wait for pod stop before killing the container' },
  ] },
  'pod restart': { usage: 'tspod pod restart [options] POD [POD...]', describe: 'Restart one or more pods', flags: [allFlag('Restart all running pods'), podLatest] },
  'pod pause': { usage: 'tspod pod pause [options] POD [POD...]', describe: 'Pause one or more pods', flags: [allFlag('Pause all running pods'), podLatest] },
  'pod unpause': { usage: 'tspod pod unpause [options] POD [POD...]', describe: 'Unpause one or more pods', flags: [allFlag('Unpause all running pods'), podLatest] },
  'pod stats': { usage: 'tspod pod stats [options] [POD...]', describe: 'Display a live stream of resource usage statistics for the containers in one or more pods', flags: [
    allFlag('Provide stats for all pods'), formatFlag('Pretty-print container statistics to JSON or using a Go template'), podLatest,
    { name: 'no-reset', type: 'bool', usage: 'Disable resetting the screen when streaming' },
    { name: 'no-stream', type: 'bool', usage: 'Disable streaming stats and only pull the first result' },
  ] },
  'pod kill': { usage: 'tspod pod kill [options] POD [POD...]', describe: 'Send the specified signal or SIGKILL to containers in pod', flags: [
    allFlag('Kill all containers in all pods'), podLatest,
    { name: 'signal', short: 's', type: 'string', def: 'KILL', usage: 'Signal to send to the containers in the pod' },
  ] },
  'pod rm': { usage: 'tspod pod rm [options] POD [POD...]', describe: 'Remove one or more pods', flags: [
    allFlag('Remove all running pods'),
    { name: 'force', short: 'f', type: 'bool', usage: 'Force removal of a running pod by first stopping all containers, then removing all containers in the pod.  The default is false' },
    podIgnore, podLatest, podIdFiles('Read the pod ID from the file'),
    { name: 'time', short: 't', type: 'uint', usage: 'Seconds to wait for pod stop before killing the container (default 10)' },
  ] },
  'pod ps': { usage: 'tspod pod ps [options]', describe: 'List pods', maxArgs: 0, flags: [
    { name: 'ctr-ids', type: 'bool', usage: 'Display the container UUIDs. If no-trunc is not set they will be truncated' },
    { name: 'ctr-names', type: 'bool', usage: 'Display the container names' },
    { name: 'ctr-status', type: 'bool', usage: 'Display the container status' },
    ctrFilter,
    formatFlag('Pretty-print pods to JSON or using a Go template'),
    podLatest,
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate pod and container IDs' },
    { name: 'noheading', type: 'bool', usage: 'Do not print headers' },
    { name: 'ns', type: 'bool', usage: 'Display namespace information of the pod' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Print the numeric IDs of the pods only' },
    { name: 'sort', type: 'string', def: 'created', usage: 'Sort output by created, id, name, or number' },
  ] },
  'pod inspect': { usage: 'tspod pod inspect [options] POD [POD...]', describe: 'Displays a pod configuration', flags: [
    formatFlag('Format the output to a Go template or json (default "json")', 'f'),
  ] },
  'pod exists': { usage: 'tspod pod exists POD', describe: 'Check if a pod exists in local storage', flags: [] },
  'pod top': { usage: 'tspod pod top [options] POD [FORMAT-DESCRIPTORS|ARGS...]', describe: 'Display the running processes of containers in a pod', flags: [] },
  'pod logs': { usage: 'tspod pod logs [options] POD', describe: 'Fetch logs for pod with one or more containers', flags: [
    { name: 'follow', short: 'f', type: 'bool', usage: 'Follow log output.' },
    { name: 'tail', type: 'int', usage: 'Output the specified number of LINES at the end of the logs. (default -1)' },
  ] },
  'pod prune': { usage: 'tspod pod prune [options]', describe: 'Remove all stopped pods and their containers', maxArgs: 0, flags: [
    { name: 'force', short: 'f', type: 'bool', usage: 'Do not prompt for confirmation.  The default is false' },
  ] },
  'generate systemd': { usage: 'tspod generate systemd [options] {CONTAINER|POD}', describe: 'Generate systemd units.', flags: [
    { name: 'after', type: 'stringArray', usage: 'Add dependencies order to the generated unit file' },
    { name: 'container-prefix', type: 'string', def: 'container', usage: 'Systemd unit name prefix for containers' },
    { name: 'env', short: 'e', type: 'stringArray', usage: 'Set environment variables to the systemd unit files' },
    { name: 'files', short: 'f', type: 'bool', usage: 'Generate .service files instead of printing to stdout' },
    formatFlag('Print the created units in specified format (json)'),
    { name: 'name', short: 'n', type: 'bool', usage: 'Use container/pod names instead of IDs' },
    { name: 'new', type: 'bool', usage: 'Create a new container or pod instead of starting an existing one' },
    { name: 'no-header', type: 'bool', usage: 'Skip header generation' },
    { name: 'pod-prefix', type: 'string', def: 'pod', usage: 'Systemd unit name prefix for pods' },
    { name: 'requires', type: 'stringArray', usage: 'Similar to wants, but declares stronger requirement dependencies' },
    { name: 'restart-policy', type: 'string', def: 'on-failure', usage: 'Systemd restart-policy' },
    { name: 'restart-sec', type: 'uint', usage: 'Systemd restart-sec' },
    { name: 'separator', type: 'string', def: '-', usage: 'Systemd unit name separator between name/id and prefix' },
    { name: 'stop-timeout', type: 'uint', usage: 'Stop timeout override (default 10)' },
    { name: 'time', short: 't', type: 'uint', def: 10, usage: 'Stop timeout override', hidden: true },
    { name: 'wants', type: 'stringArray', usage: 'Add (weak) requirement dependencies to the generated unit file' },
  ] },
  'generate kube': { usage: 'tspod generate kube [options] {CONTAINER...|POD...|VOLUME...}', describe: 'Generate Kubernetes YAML from containers, pods or volumes.', flags: [
    { name: 'filename', short: 'f', type: 'string', usage: 'Write output to the specified path' },
  ] },
  'play kube': { usage: 'tspod play kube [options] KUBEFILE|-', describe: 'Play a pod or volume based on Kubernetes YAML.', flags: [
    { name: 'down', type: 'bool', usage: 'Stop pods defined in the YAML file' },
  ] },
  doctor: { usage: 'tspod doctor [options]', describe: 'Check that this host can run rootless containers, and say how to fix what is missing', maxArgs: 0, flags: [
    formatFlag('json for machine-readable output'),
  ] },
  info: { usage: 'tspod info [options]', describe: 'Display tspod system information', maxArgs: 0, flags: [
    formatFlag('Change the output format to JSON or a Go template', 'f'),
  ] },
  'system reset': { usage: 'tspod system reset [options]', describe: 'Reset tspod storage', maxArgs: 0, flags: [
    { name: 'force', short: 'f', type: 'bool', usage: 'Do not prompt for confirmation' },
  ] },
  'system df': { usage: 'tspod system df [options]', describe: 'Show tspod disk usage', maxArgs: 0, flags: [
    formatFlag('Pretty-print images using a Go template'),
    { name: 'verbose', short: 'v', type: 'bool', usage: 'Show detailed information on disk usage' },
  ] },
  'system migrate': { usage: 'tspod system migrate [options]', describe: 'Migrate containers', maxArgs: 0, flags: [
    { name: 'new-runtime', type: 'string', usage: 'Specify a new runtime for all containers' },
  ] },
  'system renumber': { usage: 'tspod system renumber', describe: 'Migrate lock numbers', maxArgs: 0, flags: [] },
  'image diff': { usage: 'tspod image diff [options] IMAGE [IMAGE]', describe: 'Inspect changes to the image\'s file systems', flags: [formatFlag('Change the output format (json)')] },
  'image tree': { usage: 'tspod image tree [options] IMAGE', describe: 'Print layer hierarchy of an image in a tree format', flags: [
    { name: 'whatrequires', type: 'bool', usage: 'Show all child images and layers of the specified image' },
  ] },
  completion: { usage: 'tspod completion [options] {bash|zsh|fish|powershell}', describe: 'Generate shell autocompletions', flags: [
    { name: 'file', short: 'f', type: 'string', usage: 'Output the completion to file rather than stdout.' },
    { name: 'no-desc', type: 'bool', usage: 'Don\'t include descriptions in the completion output.' },
  ] },
  'system prune': { usage: 'tspod system prune [options]', describe: 'Remove unused data', maxArgs: 0, flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove all unused data' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Do not prompt for confirmation.  The default is false' },
  ] },
  'container exists': { usage: 'tspod container exists [options] CONTAINER', describe: 'Check if a container exists in local storage', flags: [
    { name: 'external', type: 'bool', usage: 'Check external storage containers as well as Podman containers' },
  ] },
  'image exists': { usage: 'tspod image exists IMAGE', describe: 'Check if an image exists in local storage', flags: [] },
  'volume create': { usage: 'tspod volume create [options] [NAME]', describe: 'Create a new volume', maxArgs: 1, flags: [
    { name: 'driver', short: 'd', type: 'string', def: 'local', usage: 'Specify volume driver name' },
    { name: 'ignore', type: 'bool', usage: 'Don\'t fail if volume already exists' },
    { name: 'label', short: 'l', type: 'stringArray', usage: 'Set metadata for a volume (default [])' },
    { name: 'opt', short: 'o', type: 'stringArray', usage: 'Set driver specific options (default [])' },
  ] },
  'volume ls': { usage: 'tspod volume ls [options]', describe: 'List volumes', maxArgs: 0, flags: [
    { name: 'filter', short: 'f', type: 'stringSlice', usage: 'Filter volume output' },
    formatFlag('Format volume output using Go template (default "{{range .}}{{.Driver}}\\t{{.Name}}\\n{{end -}}")'),
    { name: 'noheading', short: 'n', type: 'bool', usage: 'Do not print headers' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Print volume output in quiet mode' },
  ] },
  'volume inspect': { usage: 'tspod volume inspect [options] VOLUME [VOLUME...]', describe: 'Display detailed information on one or more volumes', flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Inspect all volumes' },
    formatFlag('Format volume output using Go template (default "json")', 'f'),
  ] },
  'volume rm': { usage: 'tspod volume rm [options] VOLUME [VOLUME...]', describe: 'Remove one or more volumes', flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove all volumes' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Remove a volume by force, even if it is being used by a container' },
    { name: 'time', short: 't', type: 'uint', def: 10, usage: 'Seconds to wait for running containers to stop before killing the container' },
  ] },
  'volume prune': { usage: 'tspod volume prune [options]', describe: 'Remove all unused volumes', maxArgs: 0, flags: [
    { name: 'filter', type: 'stringArray', usage: 'Provide filter values (e.g. \'label=<key>=<value>\')' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Do not prompt for confirmation' },
  ] },
  'volume exists': { usage: 'tspod volume exists VOLUME', describe: 'Volume exists', flags: [] },
  'volume export': { usage: 'tspod volume export [options] VOLUME', describe: 'Export volumes', flags: [
    { name: 'output', short: 'o', type: 'string', usage: 'Write to a specified file (default: stdout, which must be redirected)' },
  ] },
  'volume import': { usage: 'tspod volume import VOLUME [SOURCE]', describe: 'Import a tarball contents into a tspod volume', flags: [] },
  'volume mount': { usage: 'tspod volume mount NAME', describe: 'Mount volume', flags: [] },
  'volume unmount': { usage: 'tspod volume unmount NAME', describe: 'Unmount volume', flags: [] },
  'network create': { usage: 'tspod network create [options] [NAME]', describe: 'create networks for containers and pods', maxArgs: 1, flags: [
    { name: 'disable-dns', type: 'bool', usage: 'disable dns plugin' },
    { name: 'driver', short: 'd', type: 'string', def: 'bridge', usage: 'driver to manage the network' },
    { name: 'gateway', type: 'stringSlice', arg: 'ipSlice', usage: 'IPv4 or IPv6 gateway for the subnet (default [])' },
    { name: 'ignore', type: 'bool', usage: 'Don\'t fail if network already exists' },
    { name: 'internal', type: 'bool', usage: 'restrict external access from this network' },
    { name: 'ip-range', type: 'stringArray', usage: 'allocate container IP from range' },
    { name: 'ipam-driver', type: 'string', usage: 'IP Address Management Driver' },
    { name: 'ipv6', type: 'bool', usage: 'enable IPv6 networking' },
    { name: 'label', type: 'stringArray', usage: 'set metadata on a network' },
    { name: 'opt', short: 'o', type: 'stringArray', usage: 'Set driver specific options (default [])' },
    { name: 'subnet', type: 'stringArray', usage: 'subnets in CIDR format' },
  ] },
  'network ls': { usage: 'tspod network ls [options]', describe: 'List networks', maxArgs: 0, flags: [
    { name: 'filter', short: 'f', type: 'stringArray', usage: 'Provide filter values (e.g. \'name=podman\')' },
    formatFlag('Pretty-print networks to JSON or using a Go template'),
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate the network ID' },
    { name: 'noheading', type: 'bool', usage: 'Do not print headers' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'display only names' },
  ] },
  'network inspect': { usage: 'tspod network inspect [options] NETWORK [NETWORK...]', describe: 'Displays the network configuration for one or more networks.', flags: [
    formatFlag('Pretty-print network to JSON or using a Go template', 'f'),
  ] },
  'network rm': { usage: 'tspod network rm [options] NETWORK [NETWORK...]', describe: 'Remove networks', flags: [
    { name: 'force', short: 'f', type: 'bool', usage: 'remove any containers using network' },
    { name: 'time', short: 't', type: 'uint', def: 10, usage: 'Seconds to wait for running containers to stop before killing the container' },
  ] },
  'network prune': { usage: 'tspod network prune [options]', describe: 'Prune unused networks', maxArgs: 0, flags: [
    { name: 'filter', type: 'stringArray', usage: 'Provide filter values (e.g. \'label=<key>=<value>\')' },
    { name: 'force', short: 'f', type: 'bool', usage: 'do not prompt for confirmation' },
  ] },
  'network exists': { usage: 'tspod network exists NETWORK', describe: 'If the named network exists, tspod network exists exits with 0, otherwise the exit code will be 1.', flags: [] },
  'network connect': { usage: 'tspod network connect [options] NETWORK CONTAINER', describe: 'Add container to a network', flags: [
    { name: 'alias', type: 'stringSlice', usage: 'network scoped alias for container' },
    { name: 'ip', type: 'string', arg: 'ip', usage: 'set a static ipv4 address for this container network' },
    { name: 'ip6', type: 'string', arg: 'ip', usage: 'set a static ipv6 address for this container network' },
    { name: 'mac-address', type: 'string', usage: 'set a static mac address for this container network' },
  ] },
  'network disconnect': { usage: 'tspod network disconnect [options] NETWORK CONTAINER', describe: 'Remove container from a network', flags: [
    { name: 'force', short: 'f', type: 'bool', usage: 'force removal of container from network' },
  ] },
  'network reload': { usage: 'tspod network reload [options] [CONTAINER...]', describe: 'reload container networks, recreating firewall rules', flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Reload network configuration of all containers' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container tspod is aware of' },
  ] },
  version: { usage: 'tspod version [options]', describe: 'Display the tspod version information', maxArgs: 0, flags: [
    formatFlag('Change the output format to JSON or a Go template', 'f'),
  ] },
};

/** Words that only group commands (`tspod pod create`); `tspod pod` alone lists them. */
export const groups: Record<string, string> = {
  pod: 'Manage pods',
  generate: 'Generate structured data based on containers, pods or volumes',
  play: 'Play containers, pods or volumes from a structured file',
  system: 'Manage tspod',
  image: 'Manage images',
  container: 'Manage containers',
  volume: 'Manage volumes',
  network: 'Manage networks',
  kube: 'Play containers, pods or volumes based on a structured input file',
};

/** podman's grouped spellings, mapped onto the flat commands. */
export const groupAliases: Record<string, Record<string, string[]>> = {
  image: { build: ['build'], ls: ['images'], list: ['images'], rm: ['rmi'], inspect: ['inspect', '--type', 'image'], prune: ['image', 'prune'], tag: ['tag'],
    untag: ['untag'], history: ['history'], save: ['save'], load: ['load'], import: ['import'], pull: ['pull'], push: ['push'] },
  container: { ls: ['ps'], list: ['ps'], rm: ['rm'], inspect: ['inspect', '--type', 'container'], run: ['run'], create: ['create'],
    start: ['start'], stop: ['stop'], attach: ['attach'], kill: ['kill'], wait: ['wait'], logs: ['logs'], exec: ['exec'], restart: ['restart'],
    rename: ['rename'], top: ['top'], diff: ['diff'], cp: ['cp'], port: ['port'], export: ['export'], commit: ['commit'], mount: ['mount'],
    unmount: ['unmount'], umount: ['unmount'], cleanup: ['container-cleanup'], ps: ['ps'], pause: ['pause'], unpause: ['unpause'],
    stats: ['stats'], init: ['init'] },
  system: { info: ['info'] },
  kube: { play: ['play', 'kube'], generate: ['generate', 'kube'], down: ['play', 'kube', '--down'] },
  pod: { ls: ['pod', 'ps'], list: ['pod', 'ps'] },
  volume: { list: ['volume', 'ls'], umount: ['volume', 'unmount'] },
  network: { list: ['network', 'ls'], remove: ['network', 'rm'] },
};
export const plainAliases: Record<string, string> = { umount: 'unmount', 'image-prune': 'image prune' };
