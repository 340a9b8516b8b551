// Environment lists (KEY=VALUE entries) as containers get them: the image's, the defaults, -e,
// --env-file, exec's own; kept apart from the run path so that exec loads only this.
import { readFileSync } from 'node:fs';
import { TspodError } from '../util/errors.js';

/** Later entries override earlier ones by key; order of first appearance kept. */
export function mergeEnv(...lists: string[][]): string[] {
  const map = new Map<string, string>();
  for (const list of lists) {
    for (const e of list) {
      if (!e) continue;
      const k = e.split('=', 1)[0]!;
      map.set(k, e);
    }
  }
  return [...map.values()];
}

export function parseEnvFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new TspodError(`--env-file ${path}: cannot read the file`);
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => expandEnv(l));
}

/** `-e KEY` takes KEY from tspod's own environment, as podman. */
export function expandEnv(e: string): string {
  if (e.startsWith('=') || e === '') throw new TspodError(`invalid environment variable "${e}": the name is empty (use KEY=VALUE)`);
  if (/\0/.test(e)) throw new TspodError('invalid environment variable: it contains a NUL byte');
  if (e.includes('=')) return e;
  const v = process.env[e];
  return v === undefined ? '' : `${e}=${v}`;
}

/** The podman release whose command line and container conventions tspod follows. */
export const podmanCompatVersion = '4.3.1';

/** /run/.containerenv as podman writes it: empty, or for --privileged containers podman's keys
 * (tools such as toolbox read them). engine names podman's convention, then tspod itself. */
export function containerenvText(privileged: boolean, c: { name: string; id: string; image: string; imageId: string; rootless: boolean; tspodVersion: string }): string {
  if (!privileged) return '';
  const q = (s: string) => `"${s.replace(/["\\$`]/g, '\\$&')}"`;
  return [
    `engine=${q(`podman-${podmanCompatVersion}`)}`,
    `name=${q(c.name)}`,
    `id=${q(c.id)}`,
    `image=${q(c.image)}`,
    `imageid=${q(c.imageId)}`,
    `rootless=${c.rootless ? 1 : 0}`,
    `tspod=${q(c.tspodVersion)}`,
  ].join('\n') + '\n';
}
