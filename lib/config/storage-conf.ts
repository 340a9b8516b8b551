// storage.conf, with podman's keys: [storage] driver = "overlay" and
// [storage.options.overlay] mount_program. mount_program naming a program selects it
// (fuse-overlayfs), "" the kernel's own overlayfs; with neither, the kernel's overlay is
// used where it mounts rootless (probed once per boot) and fuse-overlayfs elsewhere.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { TspodError } from '../util/errors.js';
import { tspodPaths } from './paths.js';

export interface StorageConfig {
  driver: 'overlay';
  /** fuse-overlayfs (or another FUSE overlay program); undefined means native overlay */
  mountProgram?: string;
  /** nothing configured: native overlay when the kernel allows it rootless, else mountProgram */
  auto: boolean;
}

export const defaultFuse = '/usr/bin/fuse-overlayfs';

function readToml(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new TspodError(`${path} is not valid TOML: ${(err as Error).message}`);
  }
}

export function loadStorageConfig(storageOpts: string[] = [], configDir = tspodPaths().config): StorageConfig {
  const cfg: StorageConfig = { driver: 'overlay', mountProgram: defaultFuse, auto: true };
  const toml = readToml(join(configDir, 'storage.conf'));
  const storage = (toml?.storage ?? {}) as Record<string, unknown>;
  if (storage.driver !== undefined && storage.driver !== 'overlay') {
    throw new TspodError(`storage.conf: driver "${String(storage.driver)}" is not supported; tspod stores layers with the "overlay" driver`);
  }
  const overlay = ((storage.options as Record<string, unknown> | undefined)?.overlay ?? {}) as Record<string, unknown>;
  if (typeof overlay.mount_program === 'string') {
    cfg.mountProgram = overlay.mount_program || undefined;
    cfg.auto = false;
  }
  for (const opt of storageOpts) {
    const m = /^(?:overlay\.)?mount_program=(.*)$/.exec(opt);
    if (!m) throw new TspodError(`unknown --storage-opt "${opt}" (tspod knows overlay.mount_program=PATH; empty for native overlay)`);
    cfg.mountProgram = m[1] || undefined;
    cfg.auto = false;
  }
  if (cfg.mountProgram && !cfg.auto && !existsSync(cfg.mountProgram)) {
    throw new TspodError(`${cfg.mountProgram} is not installed: tspod mounts container filesystems with it. Install it as root (\`apt-get install fuse-overlayfs\`) or use native overlay with --storage-opt overlay.mount_program=`);
  }
  return cfg;
}
