// User-mode networking for a container with slirp4netns: tap0 10.0.2.100/24,
// gateway 10.0.2.2, DNS 10.0.2.3. slirp4netns joins the container's network
// namespace by pid; it exits when tspod closes its exit fd (or dies).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { TspodError } from '../util/errors.js';

export interface SlirpOptions {
  allowHostLoopback: boolean;
  mtu: number;
}

export const SLIRP_GUEST_IP = '10.0.2.100';
export const SLIRP_GATEWAY = '10.0.2.2';
export const SLIRP_DNS = '10.0.2.3';

export function slirpProgram(): string {
  for (const p of ['/usr/bin/slirp4netns', '/usr/local/bin/slirp4netns']) if (existsSync(p)) return p;
  throw new TspodError('slirp4netns is not installed: the default network needs it. Install it as root (`apt-get install slirp4netns`) or run with --network none');
}

export function checkTun(): void {
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    throw new TspodError('/dev/net/tun is not usable by this user: slirp4netns needs it. As root: `chmod 666 /dev/net/tun` (Debian\'s default), or run with --network none');
  }
}

/** Parse `slirp4netns[:opt=val,...]` options podman accepts that tspod honours. */
export function parseSlirpOptions(spec: string): SlirpOptions {
  const opts: SlirpOptions = { allowHostLoopback: false, mtu: 65520 };
  const [, rest] = spec.split(/:(.*)/s);
  for (const kv of (rest ?? '').split(',').filter(Boolean)) {
    const [k, v = ''] = kv.split('=');
    if (k === 'allow_host_loopback') opts.allowHostLoopback = v === 'true';
    else if (k === 'mtu' && /^\d+$/.test(v)) opts.mtu = Number(v);
    else throw new TspodError(`unknown slirp4netns option "${kv}" (tspod knows allow_host_loopback=true|false and mtu=N)`);
  }
  return opts;
}

export class SlirpNetwork {
  private constructor(private child: ChildProcess) {}

  static async start(pid: number, opts: SlirpOptions): Promise<SlirpNetwork> {
    const args = ['--configure', `--mtu=${opts.mtu}`, '--enable-sandbox', '--enable-seccomp', '-r', '3', '-e', '4'];
    if (!opts.allowHostLoopback) args.push('--disable-host-loopback');
    const child = spawn(slirpProgram(), [...args, String(pid), 'tap0'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const ready = child.stdio[3] as Socket;
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string) => reject(new TspodError(`slirp4netns could not set up the network: ${why}`));
      child.once('error', (err) => fail(err.message));
      child.once('exit', (code) => fail(stderr.trim() || `exit ${code}`));
      ready.once('data', () => resolve());
    });
    child.removeAllListeners('exit');
    return new SlirpNetwork(child);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    (this.child.stdio[4] as Socket).destroy();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}
