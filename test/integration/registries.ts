// The test set-up's registries: Debian's docker-registry (the real distribution
// registry) on 127.0.0.1, one open and one behind Basic auth (htpasswd), run
// by the test user for the length of the suite.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const testCredentials = { username: 'tester', password: 'tspod-test-pw' };

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function answers(url: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      await fetch(url);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

export interface RunningRegistry {
  address: string;
  process: ChildProcess;
}

/** Start docker-registry with its storage under DIR; with `auth`, Basic auth from the fixture htpasswd. */
export async function startRegistry(dir: string, auth: boolean): Promise<RunningRegistry> {
  const port = await freePort();
  mkdirSync(join(dir, 'data'), { recursive: true });
  const htpasswd = resolve(import.meta.dirname, '../fixtures/htpasswd');
  const config = [
    'version: 0.1',
    'log:', '  level: error', '  accesslog:', '    disabled: true',
    'storage:', `  filesystem:`, `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true',
    'http:', `  addr: 127.0.0.1:${port}`,
    ...(auth ? ['auth:', '  htpasswd:', '    realm: tspod-test', `    path: ${htpasswd}`] : []),
  ].join('\n') + '\n';
  writeFileSync(join(dir, 'config.yml'), config);
  // Its log (every 404 a HEAD of a missing blob gets is an "error" there) goes to a file beside it.
  const log = openSync(join(dir, 'registry.log'), 'w');
  const child = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', log, log] });
  closeSync(log);
  const address = `127.0.0.1:${port}`;
  if (!(await answers(`http://${address}/v2/`, 15_000))) {
    child.kill('SIGKILL');
    throw new Error(`docker-registry did not start on ${address} (is the docker-registry package installed? scripts/prepare-host.sh installs it): ${readFileSync(join(dir, 'registry.log'), 'utf8')}`);
  }
  return { address, process: child };
}
