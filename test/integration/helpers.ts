// Running the real tspod binary against the suite's private store, and
// looking for what a run may leave behind (processes, mounts, state).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa, type Options } from 'execa';
import { inject } from 'vitest';
export { containerProcesses, userProcesses } from './procs.js';

export const root = resolve(import.meta.dirname, '../..');
export const tspodBin = join(root, 'bin/tspod');

export function testEnv(): Record<string, string> {
  return { ...(process.env as Record<string, string>), ...inject('tspodEnv') };
}

export function tspod(args: string[], opts: Options = {}) {
  return execa(tspodBin, args, { env: testEnv(), reject: false, timeout: 60_000, stdin: 'ignore', ...opts });
}

/** Mounts this process can see under the test store. */
export function storeMounts(): string[] {
  const data = inject('tspodEnv').XDG_DATA_HOME!;
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(data));
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

export function containerDirs(): string[] {
  try {
    return readdirSync(join(inject('tspodEnv').XDG_DATA_HOME!, 'tspod', 'containers')).filter((n) => !n.startsWith('.')); // not the name index
  } catch {
    return [];
  }
}
