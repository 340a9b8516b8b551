// lib/runtime/cgroups.ts: podman's limits as cgroup v2 files (runc's conversions), and the
// container cgroup made in a fake tree. Budget: about 1 s.
import { mkdtempSync, readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cgroupFiles, cpuWeight, createContainerCgroup, ioWeight, ownCgroup, removeContainerCgroup } from '../../lib/runtime/cgroups.js';

const dev = (p: string) => (p === '/dev/sda' ? '8:0' : '?');

describe('cgroup v2 files', () => {
  it('converts as runc and podman do', () => {
    expect(cpuWeight(1024)).toBe(39);
    expect(cpuWeight(2)).toBe(1);
    expect(cpuWeight(262144)).toBe(10000);
    expect(ioWeight(10)).toBe(1);
    expect(ioWeight(1000)).toBe(10000);
    expect(cgroupFiles({ Memory: 100, MemorySwap: 300, CpuQuota: 20000, CpuPeriod: 50000, PidsLimit: -1 }, dev).files)
      .toEqual([['memory.max', '100'], ['memory.swap.max', '200'], ['cpu.max', '20000 50000'], ['pids.max', 'max']]);
    expect(cgroupFiles({ Memory: 100, MemorySwap: -1 }, dev).files).toEqual([['memory.max', '100'], ['memory.swap.max', 'max']]);
    expect(cgroupFiles({ NanoCpus: 1500000000 }, dev).files).toEqual([['cpu.max', '150000 100000']]);
    expect(cgroupFiles({ BlkioDeviceReadBps: [{ Path: '/dev/sda', Rate: 1048576 }], BlkioDeviceWriteIOps: [{ Path: '/dev/sda', Rate: 10 }], BlkioWeightDevice: [{ Path: '/dev/sda', Weight: 10 }] }, dev).files)
      .toEqual([['io.weight', '8:0 1'], ['io.max', '8:0 rbps=1048576'], ['io.max', '8:0 wiops=10']]);
    const r = cgroupFiles({ MemorySwappiness: 10, OomKillDisable: true, CpuRealtimeRuntime: 5, LogConfig: {} }, dev);
    expect(r.files).toEqual([]);
    expect(r.ignored.length).toBe(3);
    expect(ownCgroup('0::/user.slice/x.scope\n')).toBe('user.slice/x.scope');
  });

  it('makes, fills and removes the container cgroup; refuses controllers not delegated', () => {
    const root = mkdtempSync(join(tmpdir(), 'cg-'));
    mkdirSync(join(root, 'me'));
    writeFileSync(join(root, 'me', 'cgroup.subtree_control'), '');
    const id = 'a'.repeat(64);
    const dir = createContainerCgroup(join(root, 'me'), id, [['memory.max', '5'], ['io.max', '8:0 rbps=1'], ['io.max', '8:0 wbps=2']], ['memory', 'io']);
    expect(readFileSync(join(dir, 'memory.max'), 'utf8')).toBe('5');
    expect(readFileSync(join(dir, 'io.max'), 'utf8')).toBe('8:0 rbps=18:0 wbps=2');
    expect(readFileSync(join(root, 'me', 'cgroup.subtree_control'), 'utf8')).toBe('+memory +io');
    removeContainerCgroup(dir);
    expect(existsSync(dir)).toBe(false);
    expect(() => createContainerCgroup(join(root, 'me'), id, [['pids.max', '5']], ['memory'])).toThrow(/^the cgroup controllers pids are not delegated/);
  });
});
