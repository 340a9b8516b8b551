// User-mode networking for a container with slirp4netns: tap0 10.0.2.100/24,
// gateway 10.0.2.2, DNS 10.0.2.3. tspod-launch runs slirp4netns as its own
// child (it joins the container's network namespace by pid and exits when the
// helper does); this module checks for it and builds its options.
import { accessSync, constants, existsSync } from 'node:fs';
import { TspodError } from '../util/errors.js';

export interface SlirpOptions {
  allowHostLoopback: boolean;
  mtu: number;
}

export const SLIRP_GUEST_IP = '10.0.2.100';
export const SLIRP_GATEWAY = '10.0.2.2';
export const SLIRP_DNS = '10.0.2.3';

export function slirpProgram(candidates = ['/usr/bin/slirp4netns', '/usr/local/bin/slirp4netns']): string {
  for (const p of candidates) if (existsSync(p)) return p;
  throw new TspodError('slirp4netns is not installed: the default network needs it. Install it as root (`apt-get install slirp4netns`) or run with --network none');
}

export function checkTun(device = '/dev/net/tun'): void {
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
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

/** slirp4netns and its options; tspod-launch adds the exit and ready fds, its pid and tap0. */
export function slirpArgs(opts: SlirpOptions): string[] {
  const args = [slirpProgram(), '--configure', `--mtu=${opts.mtu}`, '--enable-sandbox', '--enable-seccomp'];
  if (!opts.allowHostLoopback) args.push('--disable-host-loopback');
  return args;
}
