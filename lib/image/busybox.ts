// The embedded default image: Debian's busybox-static with its applet links,
// /etc/passwd and /etc/group, written as a docker-archive and an
// oci-archive tarball (one uncompressed layer, reproducible bit for bit).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, copyFileSync, rmSync, symlinkSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { sha256 } from '../storage/blobs.js';
import { TspodError } from '../util/errors.js';
import { MEDIA } from './manifest.js';

export const BUSYBOX_NAME = 'localhost/busybox:latest';
const EPOCH = '1970-01-01T00:00:00Z';

function gnuTar(args: string[]): void {
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function buildRootfs(root: string, busybox: string): void {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'home/tester', 'var/tmp', 'proc', 'sys', 'dev', 'run', 'tmp']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  chmodSync(root, 0o755);
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'var/tmp'), 0o1777);
  chmodSync(join(root, 'root'), 0o700);
  copyFileSync(busybox, join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) {
    const link = join(root, a);
    if (a === 'bin/busybox' || existsSync(link)) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), join(root, 'bin/busybox')), link);
  }
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000:tester:/home/tester:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nwheel:x:10:tester\ntester:x:1000:\nnogroup:x:65534:\n');
}

export interface BusyboxImage {
  dockerArchive: string;
  ociArchive: string;
  layerTar: string;
}

/** Build the image into OUTDIR from the busybox-static binary at BUSYBOX. */
export function buildBusyboxImage(outDir: string, busybox = '/bin/busybox'): BusyboxImage {
  if (!existsSync(busybox)) throw new TspodError(`${busybox} not found: install Debian's busybox-static (\`apt-get install busybox-static\`)`);
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'tspod-busybox-'));
  try {
    const root = join(work, 'rootfs');
    buildRootfs(root, busybox);
    const layerTar = join(outDir, 'busybox-rootfs.tar');
    // tester's home is owned by uid 1000 in the image, to show ownership mapping.
    gnuTar(['-cf', layerTar, '-C', root, '--owner=0', '--group=0', '--exclude=./home/tester', '.']);
    gnuTar(['-rf', layerTar, '-C', root, '--owner=1000', '--group=1000', './home/tester']);
    const layer = readFileSync(layerTar);
    const diffId = sha256(layer);
    const config = {
      architecture: 'amd64',
      os: 'linux',
      created: EPOCH,
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], Labels: { 'org.tspod.image': 'busybox' } },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: EPOCH, created_by: 'tspod: busybox-static with applet links' }],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const configDigest = sha256(configBytes);

    // docker-archive
    const docker = join(work, 'docker');
    mkdirSync(docker);
    writeFileSync(join(docker, `${configDigest.slice(7)}.json`), configBytes);
    mkdirSync(join(docker, diffId.slice(7)));
    copyFileSync(layerTar, join(docker, diffId.slice(7), 'layer.tar'));
    writeFileSync(join(docker, 'manifest.json'), JSON.stringify([{ Config: `${configDigest.slice(7)}.json`, RepoTags: [BUSYBOX_NAME], Layers: [`${diffId.slice(7)}/layer.tar`] }]));
    const dockerArchive = join(outDir, 'busybox-docker.tar');
    gnuTar(['-cf', dockerArchive, '-C', docker, '.']);

    // oci-archive
    const oci = join(work, 'oci');
    const blobs = join(oci, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    copyFileSync(layerTar, join(blobs, diffId.slice(7)));
    writeFileSync(join(blobs, configDigest.slice(7)), configBytes);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: configBytes.length },
      layers: [{ mediaType: MEDIA.ociLayer, digest: diffId, size: statSync(layerTar).size }],
    }));
    const manifestDigest = sha256(manifest);
    writeFileSync(join(blobs, manifestDigest.slice(7)), manifest);
    writeFileSync(join(oci, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(join(oci, 'index.json'), JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: MEDIA.ociManifest, digest: manifestDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': BUSYBOX_NAME } }],
    }));
    const ociArchive = join(outDir, 'busybox-oci.tar');
    gnuTar(['-cf', ociArchive, '-C', oci, '.']);
    return { dockerArchive, ociArchive, layerTar };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
