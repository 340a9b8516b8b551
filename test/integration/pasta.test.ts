// --network pasta (Debian's passt package), as podman 4.4+ offers it: the container gets the host's
// addresses, a published port reaches it, and its server sees the client's own source address, a
// loopback one too (slirp4netns shows that as 10.0.2.2); pasta stops with the container; options tspod manages are refused.
// Skipped where pasta is not installed (scripts/prepare-host.sh installs it). Budget: about 15 s.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { containerProcesses, storeMounts, tspod, userProcesses, waitFor, udpRoundTrip } from './helpers.js';
import { namedProcesses } from './procs.js';

const havePasta = existsSync('/usr/bin/pasta');
const pastaProcs = () => [...namedProcesses('passt.avx2'), ...namedProcesses('passt'), ...namedProcesses('pasta')];

afterEach(async () => {
  await tspod(['rm', '-f', '-a']);
  expect(await waitFor(() => userProcesses([...containerProcesses, 'tspod-monitor']).length === 0, 10_000)).toBe(true);
  expect(storeMounts()).toEqual([]);
});

/** The host's first non-loopback IPv4 address (what pasta copies into the container). */
function hostAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** busybox httpd with a CGI that prints the client's address as the server sees it. */
const serveRemoteAddr = "mkdir -p /www/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip"
  + ' && chmod +x /www/cgi-bin/ip && exec httpd -f -p 8080 -h /www';

/** GET over a raw socket: busybox httpd passes the CGI's bare-LF headers on, which Node's HTTP parser refuses. */
function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => s.end('GET /cgi-bin/ip HTTP/1.0\r\n\r\n'));
    let text = '';
    s.on('data', (d) => (text += d));
    s.on('end', () => resolve(text.includes('\n\n') ? text.trim().split('\n').pop()!.trim() : ''));
    s.on('error', reject);
  });
}

async function seenAddress(host: string, port: number): Promise<string> {
  let seen = '';
  await waitFor(async () => (seen = await httpGet(host, port).catch(() => '')) !== '', 10_000);
  return seen.replace(/^\[(::ffff:)?|\]$/g, '');
}

describe.skipIf(!havePasta)('--network pasta', () => {
  it('gives the container the host\'s address and routes, and leaves no pasta behind', async () => {
    const r = await tspod(['run', '--rm', '--network', 'pasta', 'busybox', 'sh', '-c', 'ip -4 -o addr show; ip route']);
    expect(r.exitCode, r.stderr).toBe(0);
    const host = hostAddress();
    if (host) expect(r.stdout).toContain(`inet ${host}/`);
    expect(r.stdout).toMatch(/^default via /m);
    expect(pastaProcs()).toEqual([]);
  });

  // (skipped, and said so, on a host whose only address is loopback)
  it.skipIf(!hostAddress())('forwards a published port, and the server sees the client\'s source address (slirp4netns: 10.0.2.2 for loopback)', async () => {
    const host = hostAddress()!;
    // the container gets an address of its own so that the host's is a client's like any other
    const r = await tspod(['run', '-d', '--name', 'pw', '--network', 'pasta:-a,10.0.2.50,-n,24,-g,10.0.2.1', '-p', '18093:8080', 'busybox', 'sh', '-c', serveRemoteAddr]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await tspod(['port', 'pw'])).stdout).toBe('8080/tcp -> 0.0.0.0:18093');
    expect(await seenAddress(host, 18093)).toBe(host);
    expect(await seenAddress('127.0.0.1', 18093)).toBe('127.0.0.1');
    expect(pastaProcs().length).toBe(1);
    expect((await tspod(['rm', '-f', 'pw'])).exitCode).toBe(0);
    expect(await waitFor(() => pastaProcs().length === 0, 10_000)).toBe(true);

    const s = await tspod(['run', '-d', '--name', 'sw', '--network', 'slirp4netns', '-p', '18094:8080', 'busybox', 'sh', '-c', serveRemoteAddr]);
    expect(s.exitCode, s.stderr).toBe(0);
    // slirp4netns keeps a client's address too, but shows a client on the host's loopback as its gateway
    expect(await seenAddress('127.0.0.1', 18094)).toBe('10.0.2.2');
  });

  // (skipped, and said so, on a host whose only address is loopback)
  it.skipIf(!hostAddress())('forwards a published UDP port (from the host\'s address: see docs/networking.md for loopback)', async () => {
    const host = hostAddress()!;
    const r = await tspod(['run', '-d', '--name', 'pu', '--network', 'pasta:-a,10.0.2.50,-n,24,-g,10.0.2.1', '-p', '18096:9999/udp', 'probe', 'probe', 'udp-echo', '9999']);
    expect(r.exitCode, r.stderr).toBe(0);
    const roundTrip = () => udpRoundTrip(18096, 'ping-pasta', host);
    expect(await waitFor(async () => (await roundTrip()) === 'ping-pasta', 10_000)).toBe(true);
  });

  it('refuses the options tspod sets itself, and a taken port, before anything starts', async () => {
    const r = await tspod(['run', '--rm', '--network', 'pasta:--netns,/tmp/x', 'busybox', 'true']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain('pasta option "--netns" is set by tspod itself');
    const held = await tspod(['run', '-d', '--name', 'holder', '--network', 'pasta', '-p', '18095:8080', 'busybox', 'sleep', '60']);
    expect(held.exitCode, held.stderr).toBe(0);
    const taken = await tspod(['run', '--rm', '--network', 'pasta', '-p', '18095:8080', 'busybox', 'true']);
    expect(taken.exitCode).toBe(126); // podman's code for a port it cannot bind at start (run-flags3)
    expect(taken.stderr).toContain('18095');
  });
});
