#!/usr/bin/env node
// The everyday commands, tspod beside podman in one run: interleaved runs,
// medians and tspod/podman ratios, the CLI's peak RSS and the memory kept per
// running container. Run as an ordinary user on a prepared host:
//   node bench/compare.mjs [ITERATIONS]        (npm run bench)
// podman (when installed) runs with --runtime runc on native overlay in a root of its own, so neither
// side is measured on vfs; NODE_EXTRA_CA_CERTS is removed from both sides' environment.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxArchive, median, memOf, ms, podman as podmanBin, run as runBin, tspod } from './common.mjs';

if (process.getuid() === 0) {
  console.error('bench/compare.mjs measures rootless use: run it as an ordinary user with /etc/subuid ranges');
  process.exit(2);
}
const n = Number(process.argv[2] ?? 10);
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const podmanState = podmanBin ? mkdtempSync(join(tmpdir(), 'bench-podman-')) : undefined;
const engines = [
  { name: 'tspod', bin: tspod, pre: [], image: 'busybox', kept: ['tspod-monitor', 'tspod-wait'] },
  ...(podmanBin ? [{
    name: 'podman', bin: podmanBin, image: 'localhost/busybox', kept: ['conmon'],
    pre: ['--runtime', 'runc', '--storage-driver', 'overlay', '--root', join(podmanState, 'root'), '--runroot', join(podmanState, 'run')],
  }] : []),
];

const archive = busyboxArchive();

const run = (e, args, { check = true } = {}) => runBin(e.bin, [...e.pre, ...args], check, env);

/** Peak RSS (KiB) of one command, as GNU time reports it (the largest process of the run). */
function peakRss(e, args) {
  if (!time) return NaN;
  const r = spawnSync(time, ['-f', '%M', e.bin, ...e.pre, ...args], { encoding: 'utf8', env });
  const lines = r.stderr.trim().split('\n');
  return Number(lines[lines.length - 1]);
}


for (const e of engines) {
  run(e, ['load', '-q', '-i', archive]);
  run(e, ['rm', '-a', '-f']);
}

// Each case: what to time per engine, with an optional untimed set-up and tear-down per iteration.
const none = ['--network', 'none'];
const cases = [
  { name: 'node -e 0 (reference)', only: 'tspod', raw: [process.execPath, ['-e', '0']] },
  { name: '--version', args: () => ['--version'] },
  { name: 'version', args: () => ['version'] },
  { name: 'run --rm --network none true', args: (e) => ['run', '--rm', ...none, e.image, 'true'] },
  { name: 'run --rm true (slirp4netns)', args: (e) => ['run', '--rm', e.image, 'true'] },
  {
    name: 'run -d sleep', args: (e) => ['run', '-d', ...none, e.image, 'sleep', '600'],
    after: (e, id) => run(e, ['rm', '-f', '-t', '0', id]),
  },
  {
    name: 'exec CTR true', before: (e) => run(e, ['run', '-d', ...none, e.image, 'sleep', '600']),
    args: (_e, id) => ['exec', id, 'true'], after: (e, id) => run(e, ['rm', '-f', '-t', '0', id]),
  },
  {
    name: 'stop -t 0', before: (e) => run(e, ['run', '-d', ...none, e.image, 'sleep', '600']),
    args: (_e, id) => ['stop', '-t', '0', id], after: (e, id) => run(e, ['rm', '-f', id]),
  },
  {
    name: 'rm (exited)', args: (_e, id) => ['rm', id],
    before: (e) => {
      const id = run(e, ['run', '-d', ...none, e.image, 'true']);
      run(e, ['wait', id]);
      return id;
    },
  },
];

const results = {};
const record = (c, e, v) => ((results[c] ??= {})[e] ??= []).push(v);
for (let i = 0; i < n; i++) {
  for (const c of cases) {
    // Interleaved: one iteration of each engine in turn, the order alternating.
    const order = i % 2 ? [...engines].reverse() : engines;
    for (const e of order) {
      if (c.only && c.only !== e.name) continue;
      if (c.raw) {
        record(c.name, e.name, ms(() => spawnSync(c.raw[0], c.raw[1], { env })));
        continue;
      }
      const id = c.before?.(e);
      let out = '';
      record(c.name, e.name, ms(() => (out = run(e, c.args(e, id)))));
      c.after?.(e, id ?? out);
    }
  }
}

// ps -a and inspect with 50 exited containers.
const fifty = {};
for (const e of engines) {
  for (let i = 0; i < 50; i++) run(e, ['create', ...none, e.image, 'true']);
  fifty[e.name] = run(e, ['ps', '-alq']);
}
for (let i = 0; i < n; i++) {
  for (const e of i % 2 ? [...engines].reverse() : engines) {
    record('ps -a (50 containers)', e.name, ms(() => run(e, ['ps', '-a'])));
    record('inspect CTR (50 containers)', e.name, ms(() => run(e, ['inspect', fifty[e.name]])));
  }
}
const rss = {};
for (const e of engines) {
  rss[e.name] = {
    'peak RSS: ps -a (KiB)': peakRss(e, ['ps', '-a']),
    'peak RSS: run --rm --network none (KiB)': peakRss(e, ['run', '--rm', ...none, e.image, 'true']),
  };
  run(e, ['rm', '-a', '-f']);
}

// Memory kept per running container: 10 running containers, median per process kind.
const kept = {};
for (const e of engines) {
  for (let i = 0; i < 10; i++) run(e, ['run', '-d', ...none, e.image, 'sleep', '600']);
  const sum = (field) => e.kept.reduce((s, comm) => s + (median(memOf(comm, field)) ?? NaN), 0);
  kept[e.name] = { 'kept per container RSS (KiB)': sum('VmRSS'), 'kept per container PSS (KiB)': sum('Pss') };
  run(e, ['rm', '-a', '-f', '-t', '0']);
}

const fmt = (v) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(0));
console.log(`| case (median of ${n}, ms unless named) | tspod | podman | ratio |`);
console.log('|---|---|---|---|');
const line = (name, t, p) => console.log(`| ${name} | ${fmt(t)} | ${fmt(p)} | ${t && p ? (t / p).toFixed(2) : '-'} |`);
for (const [name, per] of Object.entries(results)) line(name, median(per.tspod ?? []), per.podman ? median(per.podman) : undefined);
for (const k of Object.keys(rss.tspod)) line(k, rss.tspod[k], rss.podman?.[k]);
for (const k of Object.keys(kept.tspod)) line(k, kept.tspod[k], kept.podman?.[k]);
if (!podmanBin) console.log('\npodman is not installed: no comparison (apt-get install podman runc)');
if (podmanState) {
  // Its layers belong to the user's subordinate ids: podman removes them from inside its namespace.
  run(engines[1], ['system', 'reset', '-f'], { check: false });
  rmSync(podmanState, { recursive: true, force: true });
}
