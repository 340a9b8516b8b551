// `tspod commit`: a container's writable layer (already written as a layer tar)
// on top of its image's layers becomes a new image, with the config changes
// podman's --change takes (Dockerfile instructions).
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import { sha256File } from '../storage/blobs.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { dockerLayerMediaType, layerBlobs, ociLayerMediaType, readImageConfig } from './layer-blobs.js';
import { MEDIA, type Descriptor, type Manifest } from './manifest.js';

export interface CommitOptions {
  /** --change instructions: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, STOPSIGNAL, VOLUME */
  changes: string[];
  message?: string;
  author?: string;
  names: string[];
  /** what the container ran, for the history entry */
  createdBy: string;
  /** --format docker: a Docker v2s2 manifest and config media type (default oci) */
  format?: 'oci' | 'docker';
  /** --squash: LAYERTAR is the whole file system, the image's only layer */
  squash?: boolean;
  /** what the container ran, as podman's commit keeps it in the image (before --change applies):
   * its entrypoint and the command after it (empty: none, null in the config) */
  run?: { entrypoint: string[]; cmd: string[] };
}

/** JSON-array form, or shell form run by /bin/sh -c (as a Dockerfile). */
function commandForm(v: string): string[] {
  if (v.trim().startsWith('[')) {
    try {
      const a = JSON.parse(v) as unknown;
      if (Array.isArray(a) && a.every((x) => typeof x === 'string')) return a as string[];
    } catch {
      /* not JSON: shell form */
    }
  }
  return ['/bin/sh', '-c', v];
}

/** KEY=VALUE pairs (several per line) or the old "KEY VALUE" form. */
function pairs(v: string, what: string): Array<[string, string]> {
  if (!v.includes('=')) {
    const sp = v.indexOf(' ');
    if (sp < 1) throw new TspodError(`--change "${what} ${v}": expected KEY=VALUE`);
    return [[v.slice(0, sp), v.slice(sp + 1).trim()]];
  }
  return (v.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []).map((p) => {
    const eq = p.indexOf('=');
    if (eq < 1) throw new TspodError(`--change "${what} ${v}": "${p}" is not KEY=VALUE`);
    return [p.slice(0, eq), p.slice(eq + 1).replace(/^"(.*)"$/, '$1')];
  });
}

export function applyChanges(config: NonNullable<ImageConfig['config']>, changes: string[]): NonNullable<ImageConfig['config']> {
  const c = { ...config };
  for (const change of changes) {
    const m = /^\s*([A-Za-z]+)(?:\s+|=)([\s\S]*)$/.exec(change);
    if (!m) throw new TspodError(`invalid --change "${change}": expected an instruction and its value, e.g. CMD ["sh"] or ENV KEY=VALUE`);
    const [, instr, value] = m as unknown as [string, string, string];
    switch (instr.toUpperCase()) {
      case 'CMD': c.Cmd = commandForm(value); break;
      case 'ENTRYPOINT': c.Entrypoint = commandForm(value); break;
      case 'WORKDIR': c.WorkingDir = value.trim(); break;
      case 'USER': c.User = value.trim(); break;
      case 'STOPSIGNAL': c.StopSignal = value.trim(); break;
      case 'ENV': {
        const env = [...(c.Env ?? [])];
        for (const [k, v] of pairs(value, 'ENV')) {
          const i = env.findIndex((e) => e.startsWith(`${k}=`));
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case 'LABEL': c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs(value, 'LABEL')) }; break;
      case 'EXPOSE': {
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const p of value.trim().split(/\s+/)) {
          if (!/^\d+(\/(tcp|udp))?$/.test(p)) throw new TspodError(`--change "EXPOSE ${value}": "${p}" is not PORT[/tcp|udp]`);
          ports[p.includes('/') ? p : `${p}/tcp`] = {};
        }
        c.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(c.Volumes ?? {}) };
        for (const v of value.trim().startsWith('[') ? commandForm(value) : value.trim().split(/\s+/)) vols[v] = {};
        c.Volumes = vols;
        break;
      }
      default:
        throw new TspodError(`--change "${change}": tspod commit takes CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME and WORKDIR`);
    }
  }
  return c;
}

export async function commitImage(store: Store, base: ImageRecord, layerTar: string, o: CommitOptions): Promise<ImageRecord> {
  const baseConfig = readImageConfig(store, base);
  // The base's layers as the store holds them (not as its stored manifest names them: a registry
  // manifest kept over blobs of another compression names blobs the store may not have).
  const baseBlobs = o.squash ? [] : layerBlobs(store, base, baseConfig);
  const diffId = await sha256File(layerTar);
  const blob = await store.blobs.putFile(layerTar, diffId);
  const docker = o.format === 'docker';
  const what = `commit --format docker on ${base.names[0] ?? base.id.slice(7, 19)}`;
  const layers: Descriptor[] = [
    ...baseBlobs.map((b) => ({ mediaType: docker ? dockerLayerMediaType(b.compression, what) : ociLayerMediaType(b.compression), digest: b.digest, size: b.size })),
    { mediaType: docker ? MEDIA.dockerLayer : MEDIA.ociLayer, digest: blob, size: store.blobs.size(blob) },
  ];
  const created = new Date().toISOString();
  // Squashed, the base's layers are gone: its history entries stay, as empty ones.
  const baseHistory = (baseConfig.history ?? []).map((h) => (o.squash ? { ...h, empty_layer: true } : h));
  const config: ImageConfig = {
    ...baseConfig,
    created,
    ...(o.author ? { author: o.author } : {}),
    config: applyChanges({ ...(baseConfig.config ?? {}), ...(o.run ? { Entrypoint: o.run.entrypoint.length ? o.run.entrypoint : null, Cmd: o.run.cmd.length ? o.run.cmd : null } : {}) }, o.changes),
    rootfs: { type: 'layers', diff_ids: [...(o.squash ? [] : baseConfig.rootfs.diff_ids), diffId] },
    history: [...baseHistory, { created, created_by: o.createdBy, ...(o.message ? { comment: o.message } : {}), ...(o.author ? { author: o.author } : {}) }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = store.blobs.putBytes(configBytes);
  const manifestType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
  const manifest: Manifest = { schemaVersion: 2, mediaType: manifestType, config: { mediaType: docker ? MEDIA.dockerConfig : MEDIA.ociConfig, digest: configDigest, size: configBytes.length }, layers };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = store.blobs.putBytes(manifestBytes);
  const chainIds = await store.layers.ensure(config.rootfs.diff_ids, layers.map((l) => l.digest));
  return store.locked(async () => {
    const record: ImageRecord = {
      version: 1,
      id: configDigest,
      names: o.names,
      digest: manifestDigest,
      manifestMediaType: manifestType,
      layerBlobs: layers.map((l) => l.digest),
      chainIds,
      created,
      size: layers.reduce((n, l) => n + l.size, 0) + configBytes.length,
    };
    store.images.save(record);
    return record;
  });
}
