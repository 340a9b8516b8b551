// Running the real tspod binary against the suite's private store, and
// looking for what a run may leave behind (processes, mounts, state).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { get } from 'node:http';
import { join, resolve } from 'node:path';
import { execa, type Options } from 'execa';
import { inject } from 'vitest';
export { containerProcesses, userProcesses } from './procs.js';

export const root = resolve(import.meta.dirname, '../..');
export const tspodBin = join(root, 'bin/tspod');

export function testEnv(): Record<string, string> {
  return { ...(process.env as Record<string, string>), ...inject('tspodEnv') };
}

export function tspod(args: string[], opts: Options = {}) {
  return execa(tspodBin, args, { env: testEnv(), reject: false, timeout: 60_000, stdin: 'ignore', ...opts });
}

/** Mounts this process can see under the test store. */
export function storeMounts(): string[] {
  const data = inject('tspodEnv').XDG_DATA_HOME!;
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(data));
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

export function containerDirs(): string[] {
  try {
    return readdirSync(join(inject('tspodEnv').XDG_DATA_HOME!, 'tspod', 'containers')).filter((n) => !n.startsWith('.')); // not the name index
  } catch {
    return [];
  }
}

/** One HTTP GET of http://127.0.0.1:PORT/ from the host: the body, or '' when it fails. */
export function httpGet(port: number): Promise<string> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', () => resolve(''));
  });
}

/** One datagram TEXT to HOST:PORT and the echo that comes back, or 'no reply' after WAIT ms. */
export function udpRoundTrip(port: number, text = 'ping-udp', host = '127.0.0.1', wait = 1000): Promise<string> {
  return new Promise<string>((resolve) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      resolve('no reply');
    }, wait);
    sock.on('message', (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(m.toString());
    });
    sock.send(text, port, host);
  });
}

/** A build context: directory BASE/NAME holding FILES (relative path: content). */
export function buildContext(base: string, name: string, files: Record<string, string>): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}
