// A real client of networks and volumes: Debian's podman-compose driving bin/tspod. `up -d` brings up
// two services, one fetching a page from the other by service name over the project's network,
// with a named volume and a published port; `down` leaves no container, process, mount or
// namespace file (podman-compose keeps the network and named volumes, as it does with podman).
// Skipped when podman-compose is not installed. Budget: about 30 s.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { containerProcesses, storeMounts, testEnv, tspod, tspodBin, userProcesses, waitFor, httpGet } from './helpers.js';
import { namedProcesses } from './procs.js';

const compose = ['/usr/bin/podman-compose', '/usr/local/bin/podman-compose'].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'tspodcompose'));
// podman-compose names the project after the directory: lower case letters and digits only
const project = basename(dir).toLowerCase().replace(/[^a-z0-9]/g, '');

afterAll(async () => {
  await tspod(['rm', '-a', '-f']);
  await tspod(['network', 'rm', '-f', `${project}_default`]);
  await tspod(['volume', 'rm', '-f', `${project}_pages`]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!compose)('podman-compose --podman-path bin/tspod', () => {
  it('up -d: one service fetches a page from the other by name; down leaves nothing running', async () => {
    // each service exits on SIGTERM at once (a shell as PID 1 would ignore it until stop's timeout)
    writeFileSync(join(dir, 'docker-compose.yml'), [
      'version: "3"',
      'services:',
      '  web:',
      '    image: localhost/busybox:latest',
      '    command: ["sh", "-c", "trap \'exit 0\' TERM; echo served-by-web > /pages/index.html; httpd -f -p 8080 -h /pages & wait"]',
      '    volumes:',
      '      - pages:/pages',
      '    ports:',
      '      - "127.0.0.1:18096:8080"',
      '  client:',
      '    image: localhost/busybox:latest',
      '    command: ["sh", "-c", "trap \'exit 0\' TERM; until wget -q -O /tmp/page http://web:8080/; do sleep 0.2; done; cat /tmp/page; sleep 600 & wait"]',
      'volumes:',
      '  pages:',
      '',
    ].join('\n'));
    const run = (args: string[]) => execa(compose!, ['--podman-path', tspodBin, ...args], { cwd: dir, env: testEnv(), reject: false, timeout: 120_000 });
    const up = await run(['up', '-d']);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    expect(await waitFor(async () => (await tspod(['logs', `${project}_client_1`])).stdout === 'served-by-web', 15_000)).toBe(true);
    expect(await waitFor(async () => (await httpGet(18096)) === 'served-by-web\n', 10_000)).toBe(true);
    expect((await tspod(['volume', 'exists', `${project}_pages`])).exitCode).toBe(0);
    const down = await run(['down']);
    expect(down.exitCode, down.stderr + down.stdout).toBe(0);
    expect((await tspod(['ps', '-a', '-q'])).stdout).toBe('');
    expect(await waitFor(() => userProcesses([...containerProcesses, 'tspod-monitor', 'tspod-dns', 'slirp4netns']).length === 0 && namedProcesses('tspod-netns').length === 0, 10_000)).toBe(true);
    expect(existsSync(join(inject('tspodEnv').XDG_RUNTIME_DIR ?? '/nonexistent', 'tspod', 'netns', 'state.json'))).toBe(false);
    expect(storeMounts()).toEqual([]);
  });
});
