#!/usr/bin/env node
// `build` of a 10-step Containerfile (COPY and RUN steps over the busybox test image):
// a cold build (--no-cache) and a fully cached rebuild, tspod beside podman (its own
// root in a temporary directory, native overlay, --runtime runc), interleaved, medians
// and ratios. As an ordinary user, after `npm run build`:
//   node bench/build.mjs [ITERATIONS]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxArchive, median, ms, podman as podmanBin, run, tspod } from './common.mjs';

const n = Number(process.argv[2] ?? 5);
const archive = busyboxArchive();

const work = mkdtempSync(join(tmpdir(), 'tspod-bench-build-'));
const ctx = join(work, 'ctx');
mkdirSync(join(ctx, 'dir/sub'), { recursive: true });
writeFileSync(join(ctx, 'a.txt'), 'a\n');
for (let i = 0; i < 50; i++) writeFileSync(join(ctx, 'dir/sub', `f${i}.txt`), `${i}\n`.repeat(100));
writeFileSync(join(ctx, 'Containerfile'), [
  'FROM busybox',
  'COPY a.txt /app/a.txt',
  'RUN echo one > /one',
  'COPY dir /app/dir/',
  'RUN mkdir -p /data && echo two > /data/two',
  'ENV X=1',
  'WORKDIR /app',
  'RUN ls -R > /listing',
  'LABEL bench=1',
  'CMD ["sh"]',
].join('\n'));

const proot = join(work, 'podman');
const podmanPre = ['--root', join(proot, 'root'), '--runroot', join(proot, 'run'), '--runtime', 'runc', '--storage-driver', 'overlay'];
const podmanEnv = { ...process.env, XDG_RUNTIME_DIR: join(proot, 'xdg') };
mkdirSync(join(proot, 'xdg'), { recursive: true, mode: 0o700 });


const engines = [['tspod', (args) => run(tspod, args)]];
run(tspod, ['load', '-q', '-i', archive]);
if (podmanBin) {
  run(podmanBin, [...podmanPre, 'load', '-q', '-i', archive], true, podmanEnv);
  engines.push(['podman', (args) => run(podmanBin, [...podmanPre, ...args], true, podmanEnv)]);
}

const results = Object.fromEntries(engines.map(([name]) => [name, { cold: [], cached: [] }]));
try {
  for (let i = 0; i < n; i++) {
    for (const [name, cmd] of engines) {
      results[name].cold.push(ms(() => cmd(['build', '-q', '--no-cache', '--network', 'none', '-t', 'bench-build', ctx])));
      results[name].cached.push(ms(() => cmd(['build', '-q', '--network', 'none', '-t', 'bench-build', ctx])));
    }
  }
} finally {
  try {
    run(tspod, ['rmi', '-f', 'bench-build']);
    run(tspod, ['image', 'prune', '-f']);
  } catch { /* best effort */ }
  if (podmanBin) spawnSync(podmanBin, ['unshare', 'rm', '-rf', proot], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}

console.log(`median ms over ${n} builds of a 10-step Containerfile (interleaved; podman: --runtime runc, native overlay, its own root)`);
console.log(['metric', ...engines.map(([name]) => name), podmanBin ? 'ratio' : ''].join('\t'));
for (const k of ['cold', 'cached']) {
  const t = median(results.tspod[k]), p = podmanBin ? median(results.podman[k]) : undefined;
  console.log([k, t.toFixed(0), p?.toFixed(0) ?? '-', p ? (t / p).toFixed(2) : '-'].join('\t'));
}
