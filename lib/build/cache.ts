// The build cache's index: build-cache/<key> in the store holds the id of the image a
// step made (engine/build.ts writes it). Kept apart from the builder so that `images`
// can read it without loading the Containerfile parser.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function buildCacheDir(storeRoot: string): string {
  return join(storeRoot, 'build-cache');
}

/** Ids of the images build steps made (intermediates, and final images the cache may reuse). */
export function buildStepImageIds(storeRoot: string): Set<string> {
  const dir = buildCacheDir(storeRoot);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return new Set();
  }
  const out = new Set<string>();
  for (const n of names) {
    try {
      out.add(readFileSync(join(dir, n), 'utf8').trim());
    } catch {
      /* removed meanwhile */
    }
  }
  return out;
}
