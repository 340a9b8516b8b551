#!/usr/bin/env node
// Start-up of the command path: `tspod --version` against a bare `node -e 0`,
// `tspod version` against `podman version`, a few more commands, and each
// command's peak RSS. Cases run interleaved (one of each per round) so that a
// busy machine slows all of them alike; medians and minimums in ms.
//   node bench/cli-startup.mjs [ROUNDS]
// NODE_EXTRA_CA_CERTS is removed for the main table; the last rows set it to a
// certificate bundle to show what the launcher saves by setting it aside.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv[2] ?? 40);
const tspod = join(root, 'bin/tspod');
const podman = ['/usr/bin/podman'].find(existsSync);
const bundle = ['/etc/ssl/certs/ca-certificates.crt'].find(existsSync);
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
delete env.NODE_OPTIONS;
const withCa = bundle ? { ...env, NODE_EXTRA_CA_CERTS: bundle } : undefined;

const cases = [
  ['node -e 0', 'node', ['-e', '0'], env],
  ['tspod --version', tspod, ['--version'], env],
  ['tspod version', tspod, ['version'], env],
  ...(podman ? [['podman version', podman, ['version'], env]] : []),
  ['tspod ps -a', tspod, ['ps', '-a'], env],
  ['tspod images', tspod, ['images'], env],
  ['tspod run --help', tspod, ['run', '--help'], env],
  ...(withCa ? [
    ['node -e 0 (NODE_EXTRA_CA_CERTS)', 'node', ['-e', '0'], withCa],
    ['tspod --version (NODE_EXTRA_CA_CERTS)', tspod, ['--version'], withCa],
  ] : []),
];

const hasTime = existsSync('/usr/bin/time');
const times = cases.map(() => []);
const cpu = cases.map(() => []);
const rss = cases.map(() => []);
for (let r = 0; r < rounds + 2; r++) {
  cases.forEach(([, cmd, args, e], i) => {
    // Through GNU time when it is there: its CPU time (user + sys, 10 ms ticks, so a mean over
    // many runs) moves less than wall time on a busy machine; the wrapper adds the same to all.
    const argv = hasTime ? ['/usr/bin/time', '-f', '%U %S %M', cmd, ...args] : [cmd, ...args];
    const t = process.hrtime.bigint();
    const res = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: e, encoding: 'utf8' });
    const wall = Number(process.hrtime.bigint() - t) / 1e6;
    if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
    if (r < 2) return; // two warm-up rounds
    times[i].push(wall);
    if (hasTime) {
      const [u, sys, kib] = res.stderr.trim().split('\n').pop().split(' ').map(Number);
      cpu[i].push((u + sys) * 1000);
      rss[i].push(kib);
    }
  });
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const min = (a) => Math.min(...a);
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;

console.log(`${rounds} interleaved rounds; wall ms (median / min), CPU ms (mean user+sys), peak RSS MiB (max); load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log(['case', 'median', 'min', 'cpu', 'rss'].join('\t'));
cases.forEach(([name], i) => {
  console.log([name, med(times[i]).toFixed(1), min(times[i]).toFixed(1), hasTime ? mean(cpu[i]).toFixed(1) : '-', hasTime ? (Math.max(...rss[i]) / 1024).toFixed(1) : '-'].join('\t'));
});
const idx = (name) => cases.findIndex((c) => c[0] === name);
const diff = (m, f) => (f(m[idx('tspod --version')]) - f(m[idx('node -e 0')])).toFixed(1);
console.log(`--version minus node -e 0 (target <= 5 ms): wall median ${diff(times, med)}, min ${diff(times, min)}${hasTime ? `, cpu mean ${diff(cpu, mean)}` : ''}`);
if (podman) {
  const ratio = (m, f) => (f(m[idx('tspod version')]) / f(m[idx('podman version')])).toFixed(2);
  console.log(`version / podman version (target <= 1.5): wall median ${ratio(times, med)}, min ${ratio(times, min)}${hasTime ? `, cpu ${ratio(cpu, mean)}` : ''}`);
}
