#!/usr/bin/env node
// Start-up of the command path: `tspod --version` against a bare `node -e 0`,
// `tspod version` against `podman version`, a few more commands, and each
// command's peak RSS. Cases run interleaved (one of each per round) so that a
// busy machine slows all of them alike; medians and minimums in ms.
//   node bench/cli-startup.mjs [ROUNDS]
// NODE_EXTRA_CA_CERTS is removed for the main table; the last rows set it to a
// certificate bundle to show what the launcher saves by setting it aside.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

const times = cases.map(() => []);
for (let r = 0; r < rounds + 2; r++) {
  cases.forEach(([, cmd, args, e], i) => {
    const t = process.hrtime.bigint();
    const res = spawnSync(cmd, args, { stdio: 'ignore', env: e });
    if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}`);
    if (r >= 2) times[i].push(Number(process.hrtime.bigint() - t) / 1e6); // two warm-up rounds
  });
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const min = (a) => Math.min(...a);

/** Peak RSS in KiB, from GNU time when it is there. */
function peakRss(cmd, args, e) {
  if (!existsSync('/usr/bin/time')) return undefined;
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { env: e, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  return Number(r.stderr.trim().split('\n').pop());
}

console.log(`${rounds} interleaved rounds; ms (median / min); peak RSS in MiB`);
console.log(['case', 'median', 'min', 'rss'].join('\t'));
cases.forEach(([name, cmd, args, e], i) => {
  const rss = peakRss(cmd, args, e);
  console.log([name, med(times[i]).toFixed(1), min(times[i]).toFixed(1), rss ? (rss / 1024).toFixed(1) : '-'].join('\t'));
});
const at = (name) => med(times[cases.findIndex((c) => c[0] === name)]);
console.log(`--version - node -e 0: ${(at('tspod --version') - at('node -e 0')).toFixed(1)} ms (target <= 5)`);
if (podman) console.log(`version / podman version: ${(at('tspod version') / at('podman version')).toFixed(2)} (target <= 1.5)`);
