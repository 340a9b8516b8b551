// The sync channel to a C helper: a unix socket in tspod's runtime directory
// that the helper connects to (it works the same whether the helper runs on a
// pipe or on a pty, where no extra fd can be passed). Messages are lines of
// tab-separated fields.
import type { Server, Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { lazyNet, randomBytes } from '../util/builtins.js';
import { join } from 'node:path';
import { privateRuntimeDir } from '../config/paths.js';
import { TspodError } from '../util/errors.js';

export function escapeField(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

export class SyncChannel {
  readonly path: string;
  private server: Server;
  private socket?: Socket;
  private buffered = '';
  private lines: string[] = [];
  private waiters: Array<(line: string | undefined) => void> = [];
  private closed = false;
  private connected: Promise<void>;

  private constructor(path: string, server: Server, connected: Promise<void>) {
    this.path = path;
    this.server = server;
    this.connected = connected;
  }

  static async open(): Promise<SyncChannel> {
    // The /tmp fallback is shared: a directory someone else made for us is refused.
    const dir = privateRuntimeDir();
    const path = join(dir, `sync-${randomBytes(6).toString('hex')}.sock`);
    let onConnect!: (s: Socket) => void;
    const connected = new Promise<Socket>((resolve) => (onConnect = resolve));
    const server = lazyNet().createServer((s) => onConnect(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    const ch: SyncChannel = new SyncChannel(path, server, connected.then((s) => ch.attach(s)));
    return ch;
  }

  private attach(s: Socket): void {
    this.socket = s;
    // Only one helper ever connects: stop listening and remove the path.
    this.server.close();
    rmSync(this.path, { force: true });
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      this.buffered += chunk;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        this.push(this.buffered.slice(0, nl));
        this.buffered = this.buffered.slice(nl + 1);
      }
    });
    const end = () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    };
    s.on('end', end);
    s.on('close', end);
    s.on('error', end);
  }

  private push(line: string): void {
    const w = this.waiters.shift();
    if (w) w(line);
    else this.lines.push(line);
  }

  /** Resolves when the helper has connected; rejects if `exited` settles first. */
  async waitConnected(exited: Promise<unknown>): Promise<void> {
    let done = false;
    await Promise.race([
      this.connected.then(() => (done = true)),
      exited.then(() => {
        if (!done) throw new TspodError('the helper exited before it connected to tspod');
      }),
    ]);
  }

  /** The next line, or undefined once the helper closed the channel. */
  next(): Promise<string | undefined> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  send(...fields: string[]): void {
    this.socket?.write(fields.map(escapeField).join('\t') + '\n');
  }

  close(): void {
    this.socket?.destroy();
    this.server.close();
    rmSync(this.path, { force: true });
  }
}

/** Turn a helper's "error\tSTEP\tERRNO\tTEXT" line into a TspodError. */
export function helperError(line: string): TspodError {
  const [, step, errno, ...text] = line.split('\t');
  // An id from the image's /etc/passwd or /etc/group outside 0-2147483647: podman's message and exit code.
  if (step === 'idrange') return new TspodError(text.join(' '), 126);
  // --workdir missing from the image and the mounts: podman's message and exit code
  if (step === 'workdir_missing') return new TspodError(text.join(' ').trim(), 126);
  return new TspodError(`${step}: ${text.join(' ')}${errno && errno !== '0' ? ` (errno ${errno})` : ''}`);
}
