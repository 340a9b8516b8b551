// The process entry of the built CLI (bin/tspod runs its bundle as `node -- tspod.cjs ARGS`):
// tspod's own arguments go to main, never to Node.
import { main } from './main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
