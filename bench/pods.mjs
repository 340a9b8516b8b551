#!/usr/bin/env node
// Pods and units, tspod beside podman in one run (medians, ratio):
//   pod create + run --rm --pod P true + pod rm -f, and generate systemd (--new).
// Run as an ordinary user on a prepared host with the busybox image loaded
// (bench/startup.mjs loads it):  node bench/pods.mjs [ITERATIONS]
import { median, ms, podman, run, tspod } from './common.mjs';

const n = Number(process.argv[2] ?? 7);

const engines = [['tspod', tspod, [], 'busybox'], ...(podman ? [['podman', podman, ['--runtime', 'runc'], 'localhost/busybox']] : [])];
const results = {};
for (const [name, bin, pre, image] of engines) {
  const cycle = [], gen = [];
  run(bin, [...pre, 'create', '--name', 'bench-unit', image, 'sleep', '1000']);
  for (let i = 0; i < n; i++) {
    cycle.push(ms(() => {
      run(bin, [...pre, 'pod', 'create', '--name', 'bench-pod']);
      run(bin, [...pre, 'run', '--rm', '--pod', 'bench-pod', image, 'true']);
      run(bin, [...pre, 'pod', 'rm', '-f', 'bench-pod']);
    }));
    gen.push(ms(() => run(bin, [...pre, 'generate', 'systemd', '--new', '--name', 'bench-unit'])));
  }
  run(bin, [...pre, 'rm', '-f', 'bench-unit']);
  results[name] = { podCycle: median(cycle), generateSystemd: median(gen) };
}
console.log(`median ms over ${n} runs`);
console.log(['metric', ...Object.keys(results), podman ? 'ratio' : ''].join('\t'));
for (const k of ['podCycle', 'generateSystemd']) {
  const t = results.tspod[k], p = results.podman?.[k];
  console.log([k, t.toFixed(0), p?.toFixed(0) ?? '-', p ? (t / p).toFixed(2) : '-'].join('\t'));
}
