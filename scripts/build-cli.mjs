#!/usr/bin/env node
// Bundles the CLI for start-up speed (npm run build runs it after tsc), as CommonJS:
// Node 20 starts an ES module entry ~8 ms slower (its ESM loader) and reads a tree
// of small files slower than one. Output in dist/lib/bundle/:
//   boot.cjs        the process entry: compiles the bundles with V8's code cache
//                   (lib/cli/boot.ts), then runs tspod.cjs
//   tspod.cjs       the CLI's entry: main.ts with the parser, flag tables and help; enough
//                   for `tspod --version` and every usage error
//   cmd-NAME.cjs    one self-contained bundle per command module (lib/cli/NAME.ts),
//                   loaded by main.ts only when its command runs
// All files sit in one directory one level below dist/lib, like the tsc output, so
// that relative URLs hold (../storage/diff-worker.js, ../../../package.json).
// node-pty is a native addon: it stays a runtime require from node_modules.
// docs/performance.md has the measurements (ESM split, this layout, a V8 snapshot).
import { build } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/lib/bundle');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const cli = join(root, 'lib/cli');
const inEntry = new Set(['main', 'args', 'flags', 'help', 'bin']);
// A new id per build names the code caches boot.cjs keeps: a rebuilt bundle never meets an old cache.
const buildId = randomBytes(8).toString('hex');

const common = {
  absWorkingDir: root,
  outdir,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['node-pty'],
  outExtension: { '.js': '.cjs' },
  // The sources are ES modules that find files next to themselves through import.meta.url;
  // a getter, so that node:url loads only when a module asks (tspod --version does not).
  define: { 'import.meta': '__tspodImportMeta', TSPOD_BUILD_VERSION: JSON.stringify(pkg.version), TSPOD_BUILD_ID: JSON.stringify(buildId) },
  banner: { js: "const __tspodImportMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
  legalComments: 'none',
  logLevel: 'warning',
};

rmSync(outdir, { recursive: true, force: true });
const commandModules = new Set();
// main.ts imports each command module lazily: those imports become requires of cmd-NAME.cjs.
const splitCommands = {
  name: 'split-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) => {
      if (args.importer !== join(cli, 'main.ts')) return undefined;
      const name = basename(args.path, '.js');
      if (inEntry.has(name)) return undefined;
      commandModules.add(name);
      return { path: `./cmd-${name}.cjs`, external: true };
    });
  },
};
// `supported`: the lazy imports become require() (an import() of a .cjs file would go through
// Node's ES module loader, which scans the whole file for its exports first).
await build({ ...common, entryPoints: { tspod: 'lib/cli/bin.ts' }, plugins: [splitCommands], supported: { 'dynamic-import': false } });
// boot.cjs requires tspod.cjs at run time, through the code cache it installs.
await build({ ...common, entryPoints: { boot: 'lib/cli/boot.ts' }, external: [...common.external, './tspod.cjs'], banner: {} });
// The command bundles likewise: a lazy import of a builtin (node:net only when a socket is
// probed) stays a plain require, not a trip through the ES module loader.
await build({
  ...common, entryPoints: Object.fromEntries([...commandModules].map((n) => [`cmd-${n}`, `lib/cli/${n}.ts`])),
  supported: { 'dynamic-import': false },
});
