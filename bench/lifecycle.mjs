#!/usr/bin/env node
// Detached-container latencies and the monitor's memory, tspod beside podman
// in one run (podman only compared, with --runtime runc). As an ordinary user:
//   node bench/lifecycle.mjs [ITERATIONS]
import { execFileSync } from 'node:child_process';
import { busyboxArchive, median, memOf, ms, podman, run, tspod } from './common.mjs';

const n = Number(process.argv[2] ?? 10);
const archive = busyboxArchive();
execFileSync(tspod, ['load', '-q', '-i', archive]);
if (podman) execFileSync(podman, ['load', '-q', '-i', archive], { stdio: 'ignore' });
const engines = [['tspod', tspod, [], 'busybox'], ...(podman ? [['podman', podman, ['--runtime', 'runc'], 'localhost/busybox']] : [])];



const results = {};
for (const [name, bin, pre, image] of engines) {
  run(bin, [...pre, 'rm', '-a', '-f']);
  const runD = [], exec = [];
  let last;
  for (let i = 0; i < n; i++) {
    runD.push(ms(() => (last = run(bin, [...pre, 'run', '-d', '--network', 'none', image, 'sleep', '1000']))));
    exec.push(ms(() => run(bin, [...pre, 'exec', last, 'true'])));
  }
  for (let i = n; i < 50; i++) run(bin, [...pre, 'run', '-d', '--network', 'none', image, 'sleep', '1000']);
  const ps = [];
  for (let i = 0; i < 5; i++) ps.push(ms(() => run(bin, [...pre, 'ps', '-a'])));
  // Per container, what stays beside it: tspod-monitor + tspod-wait (what tspod-launch becomes) for tspod, conmon for podman.
  const kept = (field) => median(memOf(name === 'tspod' ? 'tspod-monitor' : 'conmon', field)) + (name === 'tspod' ? median(memOf('tspod-wait', field)) : 0);
  results[name] = { runD: median(runD), exec: median(exec), ps50: median(ps), rssKb: kept('VmRSS'), pssKb: kept('Pss') };
  run(bin, [...pre, 'rm', '-a', '-f']);
}
console.log(`median ms over ${n} runs; ps -a with 50 containers; memory kept per running container in kB (tspod: monitor + tspod-wait; podman: conmon)`);
console.log(['metric', ...Object.keys(results), podman ? 'ratio' : ''].join('\t'));
for (const k of ['runD', 'exec', 'ps50', 'rssKb', 'pssKb']) {
  const t = results.tspod[k], p = results.podman?.[k];
  console.log([k, t?.toFixed(0), p?.toFixed(0) ?? '-', p ? (t / p).toFixed(2) : '-'].join('\t'));
}
