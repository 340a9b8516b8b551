// What commands print on stdout, written straight to fd 1: process.stdout is a stream whose
// first use loads Node's stream modules (and node:net when stdout is a pipe), a few ms of
// start-up that `tspod ps -q` in a script pays on every call. --noout drops it all.
import { writeSync } from 'node:fs';
import { errnoCode } from '../util/errors.js';

// Kept on globalThis: the entry bundle sets it and each command bundle has its own copy of this module.
const NOOUT = Symbol.for('tspod.noout');
const flags = globalThis as { [NOOUT]?: boolean };

/** --noout: nothing more reaches stdout. */
export function dropOutput(): void {
  flags[NOOUT] = true;
}

export function out(text: string): void {
  if (flags[NOOUT] || !text) return;
  let buf = Buffer.from(text);
  while (buf.length) {
    let n: number;
    try {
      n = writeSync(1, buf);
    } catch (err) {
      const code = errnoCode(err);
      // A non-blocking pipe that is full: the stream waits for it (and keeps the order).
      if (code === 'EAGAIN') {
        process.stdout.write(buf);
        return;
      }
      // The reader went away (`tspod ps | head -1`): end as a program killed by SIGPIPE would.
      if (code === 'EPIPE') process.exit(141);
      throw err;
    }
    buf = buf.subarray(n);
  }
}
