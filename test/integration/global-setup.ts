// Builds the busybox test image, gives the suite a private tspod store
// (XDG dirs under one temp dir) and loads the image into it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { TestProject } from 'vitest/node';

const root = resolve(import.meta.dirname, '../..');

export default async function setup(project: TestProject) {
  if (process.getuid!() === 0) {
    throw new Error('the integration tests run as an ordinary user (rootless is the point): run them with `bash scripts/test.sh`, which creates one');
  }
  const base = mkdtempSync(join(tmpdir(), 'tspod-it-'));
  const env = {
    XDG_DATA_HOME: join(base, 'data'),
    XDG_CONFIG_HOME: join(base, 'config'),
    XDG_RUNTIME_DIR: join(base, 'run'),
    // The user namespace's holder stops as soon as no container is left (the tests count
    // processes left behind); userns.test.ts checks the default lingering on its own.
    TSPOD_PAUSE_LINGER: '0',
  };
  for (const d of [env.XDG_DATA_HOME, env.XDG_CONFIG_HOME, env.XDG_RUNTIME_DIR]) mkdirSync(d, { recursive: true, mode: 0o700 });
  // No search registries: a short name never reaches for the internet (the machine's own
  // /etc/containers/registries.conf, if podman is installed, would send it to docker.io).
  mkdirSync(join(env.XDG_CONFIG_HOME, 'tspod'));
  writeFileSync(join(env.XDG_CONFIG_HOME, 'tspod', 'registries.conf'), '# the test suite\'s: no unqualified-search-registries\n');
  const images = join(base, 'images');
  const { buildBusyboxImage } = await import(join(root, 'dist/lib/image/busybox.js'));
  const built = buildBusyboxImage(images);
  const load = await execa(join(root, 'bin/tspod'), ['load', '-i', built.dockerArchive], { env: { ...process.env, ...env }, reject: false });
  if (load.exitCode !== 0) throw new Error(`loading the busybox test image failed: ${load.stderr}`);
  // The security probe: a static binary in a layer over busybox.
  const probe = join(base, 'probe');
  await execa('gcc', ['-static', '-O2', '-o', probe, join(root, 'test/fixtures/probe.c')]);
  const { dockerArchive, rawTar } = await import('./fixtures.js');
  const probeImage = dockerArchive('localhost/probe:latest', [readFileSync(built.layerTar), rawTar([
    { path: 'usr/', type: 'Directory' }, { path: 'usr/bin/', type: 'Directory' }, { path: 'usr/bin/probe', body: readFileSync(probe), mode: 0o755 },
  ])]);
  const loadProbe = await execa(join(root, 'bin/tspod'), ['load', '-i', probeImage], { env: { ...process.env, ...env }, reject: false });
  if (loadProbe.exitCode !== 0) throw new Error(`loading the probe image failed: ${loadProbe.stderr}`);
  // The registries the registry tests push to and pull from, and the multi-layer image.
  const { startRegistry } = await import('./registries.js');
  const open = await startRegistry(join(base, 'registry-open'), false);
  const authed = await startRegistry(join(base, 'registry-auth'), true);
  const { buildMultilayerImage } = await import('../fixtures/multilayer.mjs');
  mkdirSync(join(base, 'multilayer'));
  const multilayer = buildMultilayerImage(join(base, 'multilayer'), built.layerTar) as { archive: string; name: string; files: string[] };
  project.provide('registries', { open: open.address, auth: authed.address });
  project.provide('multilayer', multilayer);
  project.provide('tspodEnv', env);
  project.provide('tspodImages', { ...built, base });
  return async () => {
    open.process.kill('SIGTERM');
    authed.process.kill('SIGTERM');
    // Whatever a failed test left running goes too (the test user runs nothing else).
    const { userProcesses, containerProcesses } = await import('./procs.js');
    for (const p of userProcesses(['node', 'tspod-pause', ...containerProcesses])) {
      if (p.pid === process.pid) continue;
      try {
        const cmd = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8');
        if (p.comm !== 'node' || cmd.includes('/dist/lib/bundle/tspod.cjs') || cmd.includes('/dist/lib/bundle/boot.cjs')) process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const { removeAsRoot } = await import(join(root, 'dist/lib/runtime/userns.js'));
    await removeAsRoot([base]).catch(() => rmSync(base, { recursive: true, force: true }));
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    tspodEnv: Record<string, string>;
    tspodImages: { dockerArchive: string; ociArchive: string; layerTar: string; base: string };
    /** host:port of the open registry and of the one behind Basic auth */
    registries: { open: string; auth: string };
    multilayer: { archive: string; name: string; files: string[] };
  }
}
