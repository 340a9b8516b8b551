// What the benchmarks beside podman share: where the two binaries are, running a command
// (its stdout, or an error with its stderr), timing one, and medians.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const tspod = join(root, 'bin/tspod');
/** podman when installed (the comparison is skipped without it). */
export const podman = ['/usr/bin/podman'].find(existsSync);

export const run = (bin, args, ok = true) => {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (ok && r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

export const ms = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
