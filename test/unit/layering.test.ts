// The house layering: cli -> engine -> {spec, image, runtime, network} -> storage
// -> config, util. Nothing imports cli; no module imports a layer above it.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const lib = resolve(import.meta.dirname, '../../lib');
const rank: Record<string, number> = { cli: 5, engine: 4, spec: 3, image: 3, runtime: 3, network: 3, systemd: 3, kube: 3, build: 3, storage: 2, config: 1, util: 0 };
// Same-rank owners may use each other only where listed.
const sideways: Record<string, string[]> = { spec: [], image: ['storage'], runtime: [], network: [], systemd: [], kube: [],
  // the builder's pieces (lib/build): Containerfile syntax, expansion, context and layer tars,
  // step images; they use the image formats (image/manifest). RUN's containers are engine/build.ts's.
  build: ['image'] };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('module layering', () => {
  it('imports only downwards', () => {
    const bad: string[] = [];
    for (const f of files(lib)) {
      const from = relative(lib, f).split('/')[0]!;
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
        const target = relative(lib, resolve(dirname(f), m[1]!)).split('/')[0]!;
        if (target === from) continue;
        const ok = rank[target]! < rank[from]! || (rank[target] === rank[from] && sideways[from]?.includes(target));
        if (!ok) bad.push(`${relative(lib, f)} -> ${m[1]}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('the command path', () => {
  // The entry bundle (bin.ts, main.ts and what they import statically) runs for every command,
  // --version included: it may reach the rest of lib only through lazy imports of command
  // modules (./NAME.js, one bundle each), never through ../engine or lower layers.
  it('the entry reaches no engine, storage or runtime module (util errors, human, log and config paths only)', () => {
    const entry = ['boot.ts', 'bin.ts', 'main.ts', 'args.ts', 'flags.ts', 'help.ts'];
    const bad: string[] = [];
    for (const n of entry) {
      for (const m of readFileSync(join(lib, 'cli', n), 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
        const lazy = m[0].startsWith('import(');
        const ok = (lazy && m[1]!.startsWith('./')) || /^\.\/(main|args|flags|help|out)\.js$/.test(m[1]!) || /^\.\.\/(util\/(errors|human|log)|config\/paths)\.js$/.test(m[1]!);
        if (!ok) bad.push(`${n} -> ${m[1]}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
