// The CLI's entry (bin/tspod runs `node -- boot.cjs ARGS`, which requires this bundle):
// tspod's own arguments go to main, never to Node.
import { main } from './main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
