// `tspod run [options] IMAGE [COMMAND [ARG...]]`
import { TspodError } from '../util/errors.js';
import type { RunOptions } from '../engine/run.js';
import { type Args, registryOptions, toArray } from './args.js';
import { readIdFiles } from '../util/fs.js';
import { pullProgress } from './progress.js';

export async function handler(a: Args): Promise<number> {
  const opts = toRunOptions(a, 'run');
  const { runContainer } = await import('../engine/run.js');
  return runContainer(opts);
}

export function toRunOptions(a: Args, verb: 'run' | 'create'): RunOptions {
  const [image, ...command] = a.operands as string[];
  if (!image) throw new TspodError(`tspod ${verb} requires an image: tspod ${verb} [options] IMAGE [COMMAND [ARG...]]`);
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
    networkAliases: toArray(a['network-alias']),
    ip: a.ip as string | undefined,
    ip6: a.ip6 as string | undefined,
    macAddress: a['mac-address'] as string | undefined,
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
    createCommand: a.commandLine as RunOptions['createCommand'],
    pull: a.pull as string | undefined,
    addHost: toArray(a['add-host']),
    dns: toArray(a.dns),
    dnsSearch: toArray(a['dns-search']),
    dnsOption: toArray(a['dns-option']),
    noHosts: Boolean(a['no-hosts']),
    mount: toArray(a.mount),
    volumesFrom: toArray(a['volumes-from']),
    annotation: toArray(a.annotation),
    expose: toArray(a.expose),
    labelFile: toArray(a['label-file']),
    envHost: Boolean(a['env-host']),
    unsetenv: toArray(a.unsetenv),
    unsetenvAll: Boolean(a['unsetenv-all']),
    ulimit: toArray(a.ulimit),
    umask: a.umask as string | undefined,
    groupAdd: toArray(a['group-add']),
    tz: a.tz as string | undefined,
    shmSize: a['shm-size'] as string | undefined,
    pidFile: a.pidfile as string | undefined,
    conmonPidFile: a['conmon-pidfile'] as string | undefined,
    rmi: Boolean(a.rmi),
    timeout: a.timeout as number | undefined,
    readOnlyTmpfs: a['read-only-tmpfs'] !== false,
    arch: a.arch as string | undefined,
    os: a.os as string | undefined,
    variant: a.variant as string | undefined,
    imageVolume: a['image-volume'] as string | undefined,
    systemd: a.systemd as string | undefined,
    seccompPolicy: a['seccomp-policy'] as string | undefined,
    cgroupParent: a['cgroup-parent'] as string | undefined,
    initPath: a['init-path'] as string | undefined,
    personality: a.personality as string | undefined,
    attach: toArray(a.attach),
    logDriver: a['log-driver'] as string | undefined,
    logOpt: toArray(a['log-opt']),
    oomScoreAdj: a['oom-score-adj'] as number | undefined,
    secrets: toArray(a.secret),
    stopTimeout: a['stop-timeout'] as number | undefined,
    sigProxy: a['sig-proxy'] !== false,
    detachKeys: verb === 'run' ? a['detach-keys'] as string | undefined : undefined,
    envMerge: toArray(a['env-merge']),
    httpProxy: a['http-proxy'] !== false,
    requires: toArray(a.requires),
    chrootdirs: toArray(a.chrootdirs),
    devices: toArray(a.device),
    deviceCgroupRules: toArray(a['device-cgroup-rule']),
    pid: a.pid as string | undefined,
    ipc: a.ipc as string | undefined,
    uts: a.uts as string | undefined,
    cgroupns: a.cgroupns as string | undefined,
    sysctl: toArray(a.sysctl),
    passwd: a.passwd !== false,
    rootfs: Boolean(a.rootfs),
    initCtr: verb === 'create' ? a['init-ctr'] as string | undefined : undefined,
    health: {
      cmd: a['health-cmd'] as string | undefined,
      // the defaults podman shows: the image's HEALTHCHECK values apply unless a flag is given
      interval: given(a, 'health-interval') ? a['health-interval'] as string : undefined,
      retries: given(a, 'health-retries') ? a['health-retries'] as number : undefined,
      startPeriod: given(a, 'health-start-period') ? a['health-start-period'] as string : undefined,
      timeout: given(a, 'health-timeout') ? a['health-timeout'] as string : undefined,
      onFailure: a['health-on-failure'] as string | undefined,
      none: Boolean(a['no-healthcheck']),
    },
    passwdEntry: a['passwd-entry'] as string | undefined,
    hostuser: toArray(a.hostuser),
    resources: {
      memory: a.memory as string | undefined,
      memoryReservation: a['memory-reservation'] as string | undefined,
      memorySwap: a['memory-swap'] as string | undefined,
      memorySwappiness: a['memory-swappiness'] as number | undefined,
      kernelMemory: a['kernel-memory'] as string | undefined,
      oomKillDisable: Boolean(a['oom-kill-disable']),
      cpus: a.cpus as string | undefined,
      cpuShares: a['cpu-shares'] as number | undefined,
      cpuPeriod: a['cpu-period'] as number | undefined,
      cpuQuota: a['cpu-quota'] as number | undefined,
      cpuRtPeriod: a['cpu-rt-period'] as number | undefined,
      cpuRtRuntime: a['cpu-rt-runtime'] as number | undefined,
      cpusetCpus: a['cpuset-cpus'] as string | undefined,
      cpusetMems: a['cpuset-mems'] as string | undefined,
      pidsLimit: a['pids-limit'] as number | undefined,
      blkioWeight: a['blkio-weight'] as string | undefined,
      blkioWeightDevice: toArray(a['blkio-weight-device']),
      deviceReadBps: toArray(a['device-read-bps']),
      deviceWriteBps: toArray(a['device-write-bps']),
      deviceReadIops: toArray(a['device-read-iops']),
      deviceWriteIops: toArray(a['device-write-iops']),
      cgroupConf: toArray(a['cgroup-conf']),
    },
    userns: usernsFlags(a),
    pullOptions: { ...registryOptions(a), platform: a.platform as string | undefined, events: pullProgress(Boolean(a.quiet)) },
  };
}

/** Whether the flag was on the command line (not only its default). */
function given(a: Args, name: string): boolean {
  const options = (a.commandLine as { options?: string[] } | undefined)?.options ?? [];
  return options.some((t) => t === `--${name}` || t.startsWith(`--${name}=`));
}

/** --userns and its family, shared with `pod create`. */
export function usernsFlags(a: Args): RunOptions['userns'] {
  return {
    userns: a.userns as string | undefined,
    uidmap: toArray(a.uidmap),
    gidmap: toArray(a.gidmap),
    subuidname: a.subuidname as string | undefined,
    subgidname: a.subgidname as string | undefined,
  };
}

function preserveFds(v: unknown): number {
  const n = Number(v ?? 0);
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new TspodError(`--preserve-fds takes a count of descriptors, not "${String(v)}"`);
  return n;
}
