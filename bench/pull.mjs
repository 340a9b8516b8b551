#!/usr/bin/env node
// Pull benchmark: the multi-layer image (busybox + five Debian packages' files,
// ~35 MB compressed, 6 layers) from a docker-registry on 127.0.0.1 into empty
// storage, tspod and podman interleaved in one run; medians and the ratio.
// Run as an ordinary user on a prepared host (scripts/prepare-host.sh):
//   node bench/pull.mjs [ITERATIONS]
// podman (compared only, never called by tspod) is used when installed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMultilayerImage } from '../test/fixtures/multilayer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const n = Number(process.argv[2] ?? 5);
const tspod = join(root, 'bin/tspod');
const podman = ['/usr/bin/podman'].find(existsSync);
const work = mkdtempSync(join(tmpdir(), 'tspod-bench-pull-'));

const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const address = `127.0.0.1:${port}`;
writeFileSync(join(work, 'registry.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${work}/registry\nhttp:\n  addr: ${address}\n`);
const registry = spawn('/usr/bin/docker-registry', ['serve', join(work, 'registry.yml')], { stdio: 'ignore' });
for (let i = 0; i < 100; i++) {
  try {
    await fetch(`http://${address}/v2/`);
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Build the image and put it in the registry with tspod (a store of its own).
const { buildBusyboxImage } = await import(join(root, 'dist/lib/image/busybox.js'));
const busybox = buildBusyboxImage(join(work, 'busybox'));
mkdirSync(join(work, 'multilayer'));
const image = buildMultilayerImage(join(work, 'multilayer'), busybox.layerTar);
const seedEnv = { ...process.env, XDG_DATA_HOME: join(work, 'seed') };
execFileSync(tspod, ['load', '-q', '-i', image.archive], { env: seedEnv });
execFileSync(tspod, ['push', '-q', '--tls-verify=false', image.name, `${address}/multilayer:1`], { env: seedEnv });
const ref = `${address}/multilayer:1`;

/** Time one pull into a new, empty store; remove the store afterwards (outside the timing). */
function timedPull(tool) {
  const store = mkdtempSync(join(work, `${tool}-`));
  const env = { ...process.env, XDG_DATA_HOME: store, XDG_CONFIG_HOME: join(store, 'config') };
  const [cmd, args] = tool === 'tspod' ? [tspod, ['pull', '-q', '--tls-verify=false', ref]] : [podman, ['--root', join(store, 'storage'), '--runroot', join(store, 'run'), 'pull', '-q', '--tls-verify=false', ref]];
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${tool} pull exited ${r.status}: ${r.stderr}`);
  if (tool === 'tspod') spawnSync(tspod, ['system', 'reset', '--force'], { env, stdio: 'ignore' });
  else spawnSync(podman, ['unshare', 'rm', '-rf', store], { stdio: 'ignore' });
  rmSync(store, { recursive: true, force: true });
  return ms;
}

const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const times = { tspod: [], podman: [] };
for (let i = 0; i < n; i++) {
  times.tspod.push(timedPull('tspod'));
  if (podman) times.podman.push(timedPull('podman'));
}
registry.kill();
spawnSync(tspod, ['system', 'reset', '--force'], { env: seedEnv, stdio: 'ignore' });
rmSync(work, { recursive: true, force: true });
console.log(`pull of a 6-layer, ${'~35 MB'} image from a local docker-registry into empty storage; median of ${n}, ms`);
console.log(['tspod', 'podman', 'ratio'].join('\t'));
const a = med(times.tspod);
const b = podman ? med(times.podman) : undefined;
console.log([a.toFixed(0), b?.toFixed(0) ?? '-', b ? (a / b).toFixed(2) : '-'].join('\t'));
