#!/usr/bin/env node
// Bundles the CLI for start-up speed (npm run build runs it after tsc): one ES module
// per command, split by esbuild so that `tspod --version` and `tspod ps` load only
// what they use. Output in dist/lib/bundle/, one level below dist/lib like the tsc
// output, so that relative URLs (../storage/diff-worker.js, ../../../package.json) hold.
// node-pty is a native addon: it stays a runtime import from node_modules.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/lib/bundle');
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { tspod: 'lib/cli/bin.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['node-pty'],
  chunkNames: '[name]-[hash]',
  // CommonJS packages in an ES module bundle need a require of their own.
  banner: { js: "import { createRequire as __tspodRequire } from 'node:module'; const require = __tspodRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
if (process.argv.includes('--analyze')) {
  const { analyzeMetafile } = await import('esbuild');
  console.log(await analyzeMetafile(result.metafile));
}
