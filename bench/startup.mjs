#!/usr/bin/env node
// Start-up and run latency, tspod beside podman in one run (podman is only
// compared, never called by tspod). Prints medians and the tspod/podman ratio.
// Run as an ordinary user on a prepared host, with the busybox image built:
//   node bench/startup.mjs [ITERATIONS]
// podman is used when installed (with --runtime runc, as crun fails on hybrid cgroups).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const n = Number(process.argv[2] ?? 15);
const tspod = join(root, 'bin/tspod');
const archive = join(root, 'build/images/busybox-docker.tar');
const podman = ['/usr/bin/podman'].find(existsSync);

if (!existsSync(archive)) execFileSync(process.execPath, [join(root, 'scripts/build-busybox-image.mjs'), join(root, 'build/images')]);
execFileSync(tspod, ['load', '-q', '-i', archive]);
if (podman) execFileSync(podman, ['load', '-q', '-i', archive], { stdio: 'ignore' });

function median(cmd, args) {
  const times = [];
  for (let i = 0; i < n + 2; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
    if (i >= 2) times.push(Number(process.hrtime.bigint() - t) / 1e6); // two warm-up runs
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const cases = [
  ['--version', ['--version'], ['--version']],
  ['ps -a', ['ps', '-a'], ['ps', '-a']],
  ['run --rm --network none busybox true', ['run', '--rm', '--network', 'none', 'busybox', 'true'], ['--runtime', 'runc', 'run', '--rm', '--network', 'none', 'localhost/busybox', 'true']],
  ['run --rm busybox true (slirp4netns)', ['run', '--rm', 'busybox', 'true'], ['--runtime', 'runc', 'run', '--rm', 'localhost/busybox', 'true']],
  ['run --rm (native overlay) --network none', ['--storage-opt', 'overlay.mount_program=', 'run', '--rm', '--network', 'none', 'busybox', 'true'], null],
];
console.log(`median of ${n} runs, ms${podman ? '' : ' (podman not installed: no comparison)'}`);
console.log(['case', 'tspod', 'podman', 'ratio'].join('\t'));
for (const [name, t, p] of cases) {
  const a = median(tspod, t);
  const b = podman && p ? median(podman, p) : undefined;
  console.log([name, a.toFixed(0), b?.toFixed(0) ?? '-', b ? (a / b).toFixed(2) : '-'].join('\t'));
}
