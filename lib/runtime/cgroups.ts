// Resource limits under cgroup v2 delegation: one child cgroup per container in the user's
// delegated cgroup, its interface files written from the container's limits (runc's and podman's
// conversions), the container process moved into it by tspod-launch before exec, the cgroup
// removed at cleanup. Never used on cgroup v1 (cgroupV2Delegation finds nothing there).
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, TspodError } from '../util/errors.js';

/** Where the cgroup tree and the process's cgroup file are read: the real ones, or (tests only)
 * a fake tree given by TSPOD_CGROUP_ROOT and TSPOD_PROC_SELF_CGROUP. */
export function cgroupPaths(env: NodeJS.ProcessEnv = process.env): { root: string; procSelfCgroup: string } {
  return { root: env.TSPOD_CGROUP_ROOT || '/sys/fs/cgroup', procSelfCgroup: env.TSPOD_PROC_SELF_CGROUP || '/proc/self/cgroup' };
}

/** The process's own cgroup (v2 "0::PATH"), relative to the root. */
export function ownCgroup(procSelfCgroup: string): string {
  const line = procSelfCgroup.split('\n').find((l) => l.startsWith('0::')) ?? '0::/';
  return line.slice(3).replace(/^\/+/, '');
}

/** runc's ConvertCPUSharesToCgroupV2Value */
export function cpuWeight(shares: number): number {
  if (shares === 0) return 0;
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** runc's ConvertBlkIOToIOWeightValue */
export function ioWeight(blkioWeight: number): number {
  if (blkioWeight === 0) return 0;
  return Math.floor(1 + ((blkioWeight - 10) * 9999) / 990);
}

type Dev = (path: string) => string;

/** The interface files and values for podman's HostConfig limits (inspect's names). */
export function cgroupFiles(hc: Record<string, unknown>, devNumber: Dev): { files: Array<[string, string]>; ignored: string[] } {
  const files: Array<[string, string]> = [];
  const ignored: string[] = [];
  const num = (k: string) => (typeof hc[k] === 'number' ? (hc[k] as number) : undefined);
  const memory = num('Memory');
  if (memory) files.push(['memory.max', String(memory)]);
  const reservation = num('MemoryReservation');
  if (reservation) files.push(['memory.low', String(reservation)]);
  const swap = num('MemorySwap');
  // podman: --memory-swap is memory plus swap (default twice the memory), -1 unlimited; v2 counts swap alone
  if (swap === -1) files.push(['memory.swap.max', 'max']);
  else if (swap !== undefined && memory) files.push(['memory.swap.max', String(Math.max(0, swap - memory))]);
  else if (memory) files.push(['memory.swap.max', String(memory)]);
  if (num('MemorySwappiness') !== undefined) ignored.push('--memory-swappiness (cgroup v2 has no per-cgroup swappiness)');
  if (hc.OomKillDisable) ignored.push('--oom-kill-disable (cgroup v2 has no such switch)');
  const period = num('CpuPeriod') ?? 100000;
  const nano = num('NanoCpus');
  const quota = num('CpuQuota');
  if (nano) files.push(['cpu.max', `${Math.round((nano * period) / 1e9)} ${period}`]);
  else if (quota !== undefined || num('CpuPeriod') !== undefined) files.push(['cpu.max', `${quota === undefined || quota < 0 ? 'max' : quota} ${period}`]);
  const shares = num('CpuShares');
  if (shares) files.push(['cpu.weight', String(cpuWeight(shares))]);
  if (num('CpuRealtimePeriod') !== undefined || num('CpuRealtimeRuntime') !== undefined) ignored.push('--cpu-rt-period/--cpu-rt-runtime (real-time limits are cgroup v1 only)');
  if (typeof hc.CpusetCpus === 'string') files.push(['cpuset.cpus', hc.CpusetCpus]);
  if (typeof hc.CpusetMems === 'string') files.push(['cpuset.mems', hc.CpusetMems]);
  const pids = num('PidsLimit');
  if (pids !== undefined) files.push(['pids.max', pids > 0 ? String(pids) : 'max']);
  const weight = num('BlkioWeight');
  if (weight) files.push(['io.weight', `default ${ioWeight(weight)}`]);
  for (const d of (hc.BlkioWeightDevice as Array<{ Path: string; Weight: number }> | undefined) ?? []) files.push(['io.weight', `${devNumber(d.Path)} ${ioWeight(d.Weight)}`]);
  const rates: Array<[string, string]> = [['BlkioDeviceReadBps', 'rbps'], ['BlkioDeviceWriteBps', 'wbps'], ['BlkioDeviceReadIOps', 'riops'], ['BlkioDeviceWriteIOps', 'wiops']];
  for (const [key, word] of rates) {
    for (const d of (hc[key] as Array<{ Path: string; Rate: number }> | undefined) ?? []) files.push(['io.max', `${devNumber(d.Path)} ${word}=${d.Rate}`]);
  }
  for (const [k, v] of Object.entries((hc.CgroupConf as Record<string, string> | undefined) ?? {})) files.push([k, v]);
  return { files, ignored };
}

/** MAJOR:MINOR of a block device, as io.max and io.weight name it. */
export function deviceNumber(path: string): string {
  let rdev: number;
  try {
    const st = statSync(path);
    if (!st.isBlockDevice()) throw new TspodError(`${path} is not a block device: block I/O limits take a block device`);
    rdev = st.rdev;
  } catch (err) {
    if (err instanceof TspodError) throw err;
    throw new TspodError(`stat ${path}: no such file or directory`);
  }
  // glibc's gnu_dev_major/minor on the 64-bit dev_t
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((Math.floor(rdev / 4096)) & 0xfff00);
  return `${major}:${minor}`;
}

/** Make the container's cgroup under DELEGATED (the user's own cgroup, absolute) and write its
 * limits; the controllers the files need are enabled in DELEGATED's cgroup.subtree_control first. */
export function createContainerCgroup(delegated: string, id: string, files: Array<[string, string]>, available: string[]): string {
  const needed = [...new Set(files.map(([f]) => f.split('.')[0]!))].filter((c) => available.includes(c));
  const missing = [...new Set(files.map(([f]) => f.split('.')[0]!))].filter((c) => !available.includes(c));
  if (missing.length) throw new TspodError(`the cgroup controllers ${missing.join(', ')} are not delegated to this user (${join(delegated, 'cgroup.controllers')}): drop the limits that need them, or delegate them (Delegate=yes)`);
  if (needed.length) {
    try {
      writeFileSync(join(delegated, 'cgroup.subtree_control'), needed.map((c) => `+${c}`).join(' '));
    } catch (err) {
      throw new TspodError(`cannot enable the ${needed.join(', ')} controllers in ${delegated}: ${errnoCode(err) ?? (err as Error).message} (a cgroup holding processes cannot delegate controllers: run tspod from a cgroup of its own, e.g. \`systemd-run --user --scope tspod ...\`)`);
    }
  }
  if (!/^[0-9a-f]{64}$/.test(id)) throw new TspodError(`bad container id ${id}`);
  const dir = join(delegated, `tspod-${id}`);
  mkdirSync(dir, { recursive: true });
  // a real cgroup has its cgroup.procs from the kernel; a fake tree (tests) gets an empty file to be written
  if (!existsSync(join(dir, 'cgroup.procs'))) writeFileSync(join(dir, 'cgroup.procs'), '');
  for (const [file, value] of files) {
    if (!/^[a-z][a-z0-9_]*\.[a-z0-9_.]+$/.test(file)) throw new TspodError(`invalid cgroup file ${file}`);
    try {
      writeFileSync(join(dir, file), value, { flag: file === 'io.max' || file === 'io.weight' ? 'a' : 'w' });
    } catch (err) {
      removeContainerCgroup(dir);
      throw new TspodError(`cannot set ${file} to ${value} in ${dir}: ${errnoCode(err) ?? (err as Error).message}`);
    }
  }
  return dir;
}

/** A real cgroup is removed with rmdir (its files are not files); a fake tree's files go first. */
export function removeContainerCgroup(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return;
    if (code === 'ENOTEMPTY' && !isCgroupFs(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

function isCgroupFs(dir: string): boolean {
  try {
    readFileSync(join(dir, 'cgroup.events'));
    return dir.startsWith('/sys/fs/cgroup/');
  } catch {
    return false;
  }
}
