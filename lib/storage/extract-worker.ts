// Entry point run by tspod-userns, as root of the user namespace, so the
// tar package can give every file its owner from the layer:
//   node extract-worker.js LAYER.tar DEST WHITEOUT_HELPER [DIFF_ID]
// With DIFF_ID the uncompressed layer must have that digest.
import { spawnSync } from 'node:child_process';
import { defaultLimits, extractLayer } from './extract.js';

const [file, dest, whiteoutHelper, diffId] = process.argv.slice(2);
process.umask(0);
try {
  const { lines } = await extractLayer(file!, dest!, defaultLimits(), diffId);
  if (lines.length) {
    const r = spawnSync(whiteoutHelper!, [dest!], { input: lines.join('\n') + '\n', stdio: ['pipe', 'inherit', 'inherit'] });
    if (r.status !== 0) process.exit(1);
  }
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
