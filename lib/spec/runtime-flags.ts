// The global --runtime-flag values: podman hands each to the OCI runtime as `--FLAG`; tspod's
// runtime (tspod-launch) takes none, so it answers as a runtime would: runc's harmless globals pass.
import { TspodError } from '../util/errors.js';

/**
 * runc's global flags that change nothing tspod-launch does, accepted and ignored (podman with
 * runc, the reference here, runs the container with each of them):
 * - debug[=BOOL]: tspod-launch has no debug log; its failures always name the step;
 * - log=PATH, log-format=text|json: where and how runc writes its own log; tspod-launch keeps none
 *   (its errors go to tspod's stderr);
 * - root=PATH: runc's state directory; tspod keeps container state in its own runtime directory;
 * - criu=PATH: the checkpoint program; tspod has no checkpoint/restore;
 * - rootless=true|false|auto: whether runc ignores cgroup permission errors; tspod-launch is
 *   always rootless and creates no cgroup itself.
 */
const ignored: Record<string, (v: string | undefined) => boolean> = {
  debug: (v) => v === undefined || v === 'true' || v === 'false',
  log: (v) => v !== undefined && v !== '',
  'log-format': (v) => v === 'text' || v === 'json',
  root: (v) => v !== undefined && v !== '',
  criu: (v) => v !== undefined && v !== '',
  rootless: (v) => v === 'true' || v === 'false' || v === 'auto',
};

export const ignoredRuntimeFlags = Object.keys(ignored);

/** Why the runtime refuses FLAG (as given to --runtime-flag), or undefined when it takes it. */
export function runtimeFlagRefusal(flag: string): string | undefined {
  // podman puts "--" before it: "--debug" reaches the runtime as "----debug"
  if (flag.startsWith('-')) return `bad flag syntax: --${flag}`;
  const eq = flag.indexOf('=');
  const name = eq < 0 ? flag : flag.slice(0, eq);
  const value = eq < 0 ? undefined : flag.slice(eq + 1);
  const check = Object.hasOwn(ignored, name) ? ignored[name]! : undefined;
  if (!check) return `flag provided but not defined: -${name}`;
  if (!check(value)) return value === undefined ? `flag needs an argument: -${name}` : `invalid value "${value}" for flag -${name}`;
  return undefined;
}

/**
 * Check the --runtime-flag values of a command that starts a container process, as its runtime
 * would: the first it refuses is podman's "OCI runtime error" with the runtime's message. run
 * exits 126 (the runtime cannot be invoked as asked); start names the container as podman's
 * "unable to start container" (125).
 */
export function checkRuntimeFlags(flags: string[], o: { starting?: string } = {}): void {
  for (const flag of flags) {
    const why = runtimeFlagRefusal(flag);
    if (!why) continue;
    const fix = `tspod's runtime, tspod-launch, takes no global flags of its own: it accepts and ignores runc's ${ignoredRuntimeFlags.join(', ')}; drop --runtime-flag ${flag}`;
    if (o.starting !== undefined) throw new TspodError(`OCI runtime error: unable to start container "${o.starting}": tspod-launch: ${why}\n${fix}`, 125);
    throw new TspodError(`OCI runtime error: tspod-launch: ${why}\n${fix}`, 126);
  }
}
