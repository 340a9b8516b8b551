#!/usr/bin/env node
// User-defined networks, tspod beside podman in one run (medians, ratio):
//   run --rm --network NAME busybox true, cold (the first container on the network: the rootless
//   network namespace starts and stops with it) and warm (another container keeps it up), beside
//   run --rm --network slirp4netns; and container-to-container TCP throughput on one network
//   (busybox httpd and wget, MB/s, by address: podman 4.3's names do not resolve on these machines).
// Run as an ordinary user on a prepared host with the busybox image loaded (tspod as `busybox`,
// podman as `localhost/busybox`):  node bench/network.mjs [ITERATIONS] [MEGABYTES]
import { spawnSync } from 'node:child_process';
import { median, ms, podman, run, tspod } from './common.mjs';

const n = Number(process.argv[2] ?? 5);
const mb = Number(process.argv[3] ?? 256);

const engines = [['tspod', tspod, [], 'busybox'], ...(podman ? [['podman', podman, ['--runtime', 'runc'], 'localhost/busybox']] : [])];
const results = {};
for (const [name, bin, pre, image] of engines) {
  const t = (args, ok) => run(bin, [...pre, ...args], ok);
  t(['rm', '-f', 'bench-keep', 'bench-srv'], false);
  t(['network', 'rm', '-f', 'benchnet'], false);
  t(['network', 'create', 'benchnet']);
  const cold = [], warm = [], slirp = [], tput = [];
  for (let i = 0; i < n; i++) {
    cold.push(ms(() => t(['run', '--rm', '--network', 'benchnet', image, 'true'])));
    slirp.push(ms(() => t(['run', '--rm', '--network', 'slirp4netns', image, 'true'])));
  }
  t(['run', '-d', '--name', 'bench-keep', '--network', 'benchnet', image, 'sleep', '1000']);
  for (let i = 0; i < n; i++) warm.push(ms(() => t(['run', '--rm', '--network', 'benchnet', image, 'true'])));
  // the server: httpd with a file of MB megabytes; the client fetches it with wget
  t(['run', '-d', '--name', 'bench-srv', '--network', 'benchnet', image, 'sh', '-c',
    `mkdir -p /www && dd if=/dev/zero of=/www/big bs=1048576 count=${mb} 2>/dev/null && touch /www/ready && exec httpd -f -p 8080 -h /www`]);
  const ip = t(['exec', 'bench-srv', 'sh', '-c', "ip -4 -o addr show eth0 | sed 's/.*inet \\([0-9.]*\\).*/\\1/'"]);
  for (let k = 0; k < 100 && !t(['exec', 'bench-srv', 'sh', '-c', 'test -e /www/ready && netstat -ltn | grep :8080 || true']); k++) spawnSync('sleep', ['0.1']);
  for (let i = 0; i < Math.max(3, Math.ceil(n / 2)); i++) {
    // timed inside the client (/proc/uptime, 10 ms steps): the container's start is not counted
    const out = t(['run', '--rm', '--network', 'benchnet', image, 'sh', '-c',
      `cut -d' ' -f1 /proc/uptime; wget -q -O /dev/null http://${ip}:8080/big && cut -d' ' -f1 /proc/uptime`]);
    const [start, end] = out.split('\n').map(Number);
    if (!(end > start)) throw new Error(`${name}: the transfer was not timed (${out})`);
    tput.push(mb / (end - start));
  }
  t(['rm', '-f', '-t', '0', 'bench-srv'], false);
  t(['rm', '-f', '-t', '0', 'bench-keep'], false);
  t(['network', 'rm', '-f', 'benchnet']);
  results[name] = { runColdMs: median(cold), runWarmMs: median(warm), runSlirpMs: median(slirp), tcpMBps: median(tput) };
}
console.log(`medians over ${n} runs (${mb} MB per throughput run)`);
console.log(['metric', ...Object.keys(results), podman ? 'tspod/podman' : ''].join('\t'));
for (const k of ['runColdMs', 'runWarmMs', 'runSlirpMs', 'tcpMBps']) {
  const a = results.tspod[k], p = results.podman?.[k];
  console.log([k, a.toFixed(0), p?.toFixed(0) ?? '-', p ? (a / p).toFixed(2) : '-'].join('\t'));
}
