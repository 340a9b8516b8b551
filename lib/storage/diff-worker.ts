// Entry point run by tspod-userns, as root of the user namespace, so every
// file of a container's writable layer can be read and its owner written as
// the container sees it:  node diff-worker.js UPPER OUT.tar
import { closeSync, openSync } from 'node:fs';
import { writeUpperLayer } from './diff.js';

const [upper, file] = process.argv.slice(2);
try {
  const out = openSync(file!, 'w', 0o644);
  writeUpperLayer(upper!, out);
  closeSync(out);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
