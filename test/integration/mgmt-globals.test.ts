// podman's global flags: --root and --runroot isolate two stores (and reach the monitor's
// container-cleanup, which applies restart policies, in the same store); the flags tspod cannot
// honour are refused naming what it does instead; --noout. (Budget: about 20 s.)
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { tspod, waitFor } from './helpers.js';

let base = '';
let rootA = '', runA = '';

beforeAll(() => {
  base = mkdtempSync(join(inject('tspodEnv').XDG_DATA_HOME!, 'globals-'));
  rootA = join(base, 'storeA');
  runA = join(base, 'runA');
});

afterAll(async () => {
  await tspod(['--root', rootA, '--runroot', runA, 'rm', '-a', '-f']);
  await tspod(['--root', rootA, '--runroot', runA, 'system', 'reset', '-f']);
});

describe('global flags', () => {
  it('--root/--runroot: a second store, its own images and containers; restart policies run in it', async () => {
    const A = ['--root', rootA, '--runroot', runA];
    expect((await tspod([...A, 'images', '-q'])).stdout).toBe('');
    const load = await tspod([...A, 'load', '-i', inject('tspodImages').dockerArchive]);
    expect(load.exitCode, load.stderr).toBe(0);
    const run = await tspod([...A, 'run', '-d', '--name', 'inA', '--network', 'none', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']);
    expect(run.exitCode, run.stderr).toBe(0);
    // container-cleanup, started by the monitor, finds the container in store A and restarts it twice.
    expect(await waitFor(async () => (await tspod([...A, 'inspect', '--format', '{{.RestartCount}} {{.State.Status}}', 'inA'])).stdout === '2 exited', 20_000)).toBe(true);
    expect((await tspod(['container', 'exists', 'inA'])).exitCode).toBe(1);
    expect((await tspod([...A, 'container', 'exists', 'inA'])).exitCode).toBe(0);
    // Flags after the command name work too.
    expect((await tspod(['ps', '-a', '--format', '{{.Names}}', '--root', rootA, '--runroot', runA])).stdout).toBe('inA');
    expect((await tspod(['ps', '-a', '--format', '{{.Names}}'])).stdout).not.toMatch(/inA/);
    // Units generated for a container of store A run every tspod in store A.
    const unit = await tspod([...A, 'generate', 'systemd', 'inA']);
    expect(unit.exitCode, unit.stderr).toBe(0);
    expect(unit.stdout).toContain(`Environment=TSPOD_STORAGE_ROOT=${rootA}\n`);
    expect(unit.stdout).toContain(`Environment=TSPOD_RUN_ROOT=${runA}\n`);
  });

  it('refuses what tspod cannot do, naming its own runtime, monitor and driver', async () => {
    const rt = await tspod(['--runtime', '/bin/sh', 'ps']);
    expect(rt.exitCode).toBe(125);
    expect(rt.stderr).toMatch(/^Error: --runtime \/bin\/sh: tspod runs every container with its own runtime, tspod-launch \(/);
    // a runtime that is no program here: podman's words first
    const missing = await tspod(['--runtime', 'idonotexist', 'ps']);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr).toMatch(/^Error: default OCI runtime "idonotexist" not found: invalid argument: tspod runs every container with its own runtime, tspod-launch \(/);
    // --runtime-flag reaches only the commands that start a container (run-runtime.test.ts): ps takes any, as podman's
    expect((await tspod(['--runtime-flag', 'invalidflag', 'ps'])).exitCode).toBe(0);
    expect((await tspod(['--conmon', '/usr/bin/conmon', 'ps'])).stderr).toMatch(/^Error: --conmon \/usr\/bin\/conmon: tspod monitors containers with its own tspod-monitor/);
    expect((await tspod(['--storage-driver', 'vfs', 'ps'])).stderr).toMatch(/^Error: --storage-driver vfs: driver "vfs" is not supported; tspod stores layers with the "overlay" driver/);
    expect((await tspod(['--storage-driver', 'overlay', 'ps'])).exitCode).toBe(0);
    expect((await tspod(['--namespace', 'x', 'ps'])).exitCode).toBe(125);
    expect((await tspod(['--cgroup-manager', 'bogus', 'ps'])).exitCode).toBe(125);
    expect((await tspod(['--cgroup-manager', 'cgroupfs', '--events-backend', 'none', '--syslog', 'ps'])).exitCode).toBe(0);
  });

  it('--log-level and --debug: podman\'s checks (exit 1) and logrus-style lines on stderr', async () => {
    const bad = await tspod(['--log-level=telepathic', 'version']);
    expect([bad.exitCode, bad.stderr]).toEqual([1, 'Log Level "telepathic" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic']);
    const both = await tspod(['--debug', '--log-level=panic', 'version']);
    expect([both.exitCode, both.stderr]).toEqual([1, 'Setting --log-level and --debug is not allowed']);
    const trace = (await tspod(['--log-level=trace', 'version'])).stderr;
    for (const level of ['trace', 'debug', 'info']) expect(trace).toContain(` level=${level} `);
    const debug = (await tspod(['ps', '-D'])).stderr;
    expect(debug).toContain(' level=debug ');
    expect(debug).not.toContain(' level=trace ');
    expect((await tspod(['--log-level=info', 'version'])).stderr).toMatch(/^time="[^"]+" level=info msg="tspod filtering at log level info"$/);
    expect((await tspod(['--log-level=warn', 'version'])).stderr).toBe('');
  });

  it('--noout drops stdout only', async () => {
    const r = await tspod(['--noout', 'images']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    // ps, version and inspect write to fd 1 themselves (not through process.stdout): dropped too.
    for (const args of [['ps', '-a'], ['version'], ['inspect', '--type', 'image', 'busybox']]) {
      const q = await tspod(['--noout', ...args]);
      expect([q.exitCode, q.stdout]).toEqual([0, '']);
    }
    expect((await tspod(['ps', '-a'])).stdout).toContain('CONTAINER ID');
    expect((await tspod(['--noout', 'rmi', 'nothere'])).stderr).toBe('Error: nothere: image not known');
  });
});
