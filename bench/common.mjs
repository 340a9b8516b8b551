// What the benchmarks beside podman share: where the two binaries are, running a command
// (its stdout, or an error with its stderr), timing one, medians, the busybox test archive and
// the memory of running processes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const tspod = join(root, 'bin/tspod');
/** podman when installed (the comparison is skipped without it). */
export const podman = ['/usr/bin/podman'].find(existsSync);

export const run = (bin, args, ok = true, env = process.env) => {
  const r = spawnSync(bin, args, { encoding: 'utf8', env });
  if (ok && r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

export const ms = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The busybox test image as a docker archive, built from Debian's busybox-static when missing. */
export function busyboxArchive() {
  const archive = join(root, 'build/images/busybox-docker.tar');
  if (!existsSync(archive)) execFileSync(process.execPath, [join(root, 'scripts/build-busybox-image.mjs'), join(root, 'build/images')]);
  return archive;
}

/** Memory (KiB) of this user's live processes named COMM: resident (RSS, shared library pages
 * counted whole) or proportional (PSS, shared pages split among their users). */
export function memOf(comm, field) {
  const out = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== comm) continue;
      const text = readFileSync(`/proc/${d}/${field === 'Pss' ? 'smaps_rollup' : 'status'}`, 'utf8');
      const m = new RegExp(`^${field === 'Pss' ? 'Pss' : 'VmRSS'}:\\s+(\\d+)`, 'm').exec(text);
      if (m) out.push(Number(m[1]));
    } catch {
      /* gone, or a zombie */
    }
  }
  return out;
}
