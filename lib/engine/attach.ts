// `tspod attach`: this terminal to a detached container's terminal, through
// the monitor's attach socket (its client side, tspod-monitor -A, relays), or
// to a container without one: its output streams, and with -i its input
// (tspod-monitor -a). The detach keys (podman's ctrl-p,ctrl-q) leave the
// container running.
import { spawn } from 'node:child_process';
import { helperPath } from '../config/paths.js';
import { TspodError } from '../util/errors.js';
import { containerFiles } from './container-state.js';
import { containerWait, findContainer, liveState } from './containers.js';
import { openStore } from './store.js';
import { parseDetachKeys } from '../spec/detach-keys.js';

export { parseDetachKeys };


/** Splits input into what goes to the container and whether the detach keys were typed. */
export class DetachScanner {
  private matched = 0;
  constructor(private keys: number[]) {}

  feed(chunk: Buffer): { pass: Buffer; detach: boolean } {
    const pass: number[] = [];
    for (const b of chunk) {
      if (this.keys.length && b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { pass: Buffer.from(pass), detach: true };
        continue;
      }
      // A partial match that did not complete: its bytes were input after all.
      pass.push(...this.keys.slice(0, this.matched));
      this.matched = 0;
      if (this.keys.length && b === this.keys[0]) this.matched = 1;
      else pass.push(b);
    }
    return { pass: Buffer.from(pass), detach: false };
  }
}

export interface AttachOptions {
  /** --no-stdin: the terminal's input is not sent (the relay reads /dev/null) */
  noStdin?: boolean;
  /** --sig-proxy (default): signals sent to tspod go to the container */
  sigProxy?: boolean;
  /** start -a: the container was just started, and its monitor serves the socket even if its
   * command has already exited (-i: the output waits for this attach) */
  started?: boolean;
}

export async function containerAttach(ref: string, detachKeys = 'ctrl-p,ctrl-q', o: AttachOptions = {}): Promise<number> {
  const keys = parseDetachKeys(detachKeys);
  const store = openStore();
  const rec = liveState(findContainer(store.containers.list(), ref), store);
  if (rec.state.status !== 'running' && !o.started) throw new TspodError(`you can only attach to running containers: ${rec.id.slice(0, 12)} is ${rec.state.status}`);
  // The relay runs in C (tspod-monitor -A): node cannot switch off the
  // terminal's output processing, and the container's pty already did it.
  const socket = containerFiles(store, rec.id).attach;
  const args = rec.config.tty ? ['-A', socket, keys.join(',')] : ['-a', socket, keys.join(','), ...(o.noStdin || !rec.config.interactive ? ['noinput'] : [])];
  const client = spawn(helperPath('tspod-monitor'), args, { stdio: [o.noStdin ? 'ignore' : 'inherit', 'inherit', 'inherit'] });
  // --sig-proxy: a signal sent to tspod (not typed: the terminal is raw) goes to the container.
  const proxied: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const { containerKill } = await import('./containers.js');
  const proxy = (sig: NodeJS.Signals) => void containerKill(rec.id, sig.slice(3)).catch(() => undefined);
  if (o.sigProxy !== false) for (const s of proxied) process.on(s, proxy);
  const code = await new Promise<number>((resolve, reject) => {
    client.once('error', (err) => reject(new TspodError(`cannot attach to ${rec.name}: ${err.message} (was \`npm run build\` run?)`)));
    client.once('exit', (c, sig) => resolve(c ?? (sig ? 125 : 0)));
  }).finally(() => {
    for (const s of proxied) process.off(s, proxy);
  });
  if (code === 3) return 0; // detached: the container runs on
  if (code !== 0) throw new TspodError(`cannot attach to ${rec.name} (see the message above)`);
  return containerWait(rec.id);
}

/** `start -a [-i]`: start the container and stay with it until it exits (or, with
 * a terminal, until the detach keys); the container's exit code is returned. */
export async function containerStartAttached(ref: string, interactive: boolean, detachKeys: string, write: (stream: 'stdout' | 'stderr', text: string) => void): Promise<number> {
  const { containerStart, containerLogs } = await import('./containers.js');
  const store = openStore();
  const rec = findContainer(store.containers.list().map((c) => liveState(c, store)), ref);
  if (interactive && !rec.config.tty && !rec.config.interactive) {
    throw new TspodError(`tspod start -a -i: container ${rec.name} was created without -i, so its stdin is not kept open; create it with -i (or -it), or start it with -a alone`);
  }
  const since = new Date(Date.now() - 1).toISOString();
  // with -i the monitor waits for this attach before it passes any output on, so none is missed
  await containerStart(rec.id, { waitAttach: interactive && !rec.config.tty });
  if (rec.config.tty || interactive) return containerAttach(rec.id, detachKeys, { noStdin: !interactive, started: true });
  await containerLogs(rec.id, { follow: true, since, timestamps: false }, (e, text) => write(e.stream === 'stderr' ? 'stderr' : 'stdout', text));
  return containerWait(rec.id);
}
