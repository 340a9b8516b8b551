// `tspod exec`: a new process in a running container, through tspod-launch in
// exec mode (setns into the container's namespaces), with the container's
// capabilities and seccomp filter.
import { execInContainer, type LaunchPlan } from '../runtime/launch.js';
import { tspodPaths } from '../config/paths.js';
import { checkUserIds } from '../runtime/security.js';
import { TspodError } from '../util/errors.js';
import { mkdirSync } from 'node:fs';
import { newId } from '../util/ids.js';
import { join } from 'node:path';
import { findContainerIn, liveState } from './container-list.js';
import { mergeEnv, parseEnvFile } from '../spec/env.js';
import { capMask, CAPABILITIES } from '../runtime/security.js';
import { openStore } from './store.js';

export interface ExecOptions {
  interactive: boolean;
  tty: boolean;
  stdinFd?: number;
  stdoutFd?: number;
  env: string[];
  workdir?: string;
  user?: string;
  /** -d: start it and return; it runs on in the container */
  detach?: boolean;
  /** -d: told the exec session's id once the process runs */
  onSession?: (id: string) => void;
  /** --env-file files, read before -e (which wins) */
  envFiles?: string[];
  /** --preserve-fds N: descriptors 3..3+N-1 passed on to the process */
  preserveFds?: number;
  /** --privileged: every capability, not only the container's */
  privileged?: boolean;
  /** --detach-keys: tspod's exec sessions cannot be detached from; only "" (none) is taken */
  detachKeys?: string;
}

export async function containerExec(ref: string, command: string[], opts: ExecOptions): Promise<number> {
  if (opts.user !== undefined) checkUserIds(opts.user);
  const store = openStore();
  const rec = liveState(findContainerIn(store, ref), store);
  if (rec.state.status !== 'running' || !rec.state.pid) {
    throw new TspodError(`can only create exec sessions on running containers: container ${rec.id.slice(0, 12)} is ${rec.state.status}`);
  }
  if (command.length === 0) throw new TspodError('tspod exec needs a command: tspod exec [options] CONTAINER COMMAND [ARG...]');
  if (opts.detachKeys !== undefined) {
    (await import('../spec/detach-keys.js')).parseDetachKeys(opts.detachKeys);
    if (opts.detachKeys !== '' && (opts.tty || opts.interactive) && !opts.detach) {
      throw new TspodError(`--detach-keys ${opts.detachKeys}: tspod cannot detach from an exec session (the process ends with tspod exec); use --detach-keys "" or exec -d`);
    }
  }
  const preserve = opts.preserveFds ?? 0;
  if (!Number.isInteger(preserve) || preserve < 0 || preserve > 1000) throw new TspodError(`--preserve-fds takes a count of descriptors, not "${String(opts.preserveFds)}"`);
  if (preserve && (opts.tty || opts.detach)) throw new TspodError('--preserve-fds cannot be combined with -t or -d: the terminal helper and the monitor do not pass extra descriptors');
  const plan = store.containers.withSeccomp(rec).plan as LaunchPlan;
  // -d: the session's id, as podman prints it, names the directory of its exit and pid files.
  const sessionId = newId();
  const execDir = join(store.containers.dir(rec.id), 'userdata', `exec-${sessionId}`);
  if (opts.detach) mkdirSync(execDir);
  for (const e of opts.env) if (e.startsWith('=') || !e) throw new TspodError(`invalid environment variable "${e}": the name is empty (use KEY=VALUE)`);
  const extra = [...(opts.envFiles ?? []).flatMap(parseEnvFile), ...opts.env.map((e) => (e.includes('=') ? e : process.env[e] !== undefined ? `${e}=${process.env[e]}` : '')).filter(Boolean)];
  const security = opts.privileged ? plan.security.map((l) => (l[0] === 'caps' ? ['caps', capMask(Object.keys(CAPABILITIES)).toString(16)] : l)) : plan.security;
  const result = await execInContainer({
    target: rec.state.pid,
    user: opts.user ?? plan.user,
    cwd: opts.workdir ?? plan.cwd,
    env: mergeEnv(plan.env, opts.tty ? ['TERM=xterm'] : [], extra),
    argv: command,
    tty: opts.tty,
    security,
    preserveFds: preserve,
  }, opts.detach
    // -d: under a monitor of its own (which outlives tspod), output discarded as podman's exec -d.
    // With -t the monitor holds the terminal's master (closing it would hang the process up).
    ? { tty: false, interactive: false, monitor: [join(execDir, 'exit'), join(execDir, 'pid'), []], attachSocket: opts.tty ? join(tspodPaths().runtime, `exec-attach-${sessionId.slice(0, 16)}`) : undefined }
    : { tty: opts.tty, interactive: opts.interactive, stdinFd: opts.stdinFd, stdoutFd: opts.stdoutFd }, { started: () => undefined });
  if (opts.detach) opts.onSession?.(sessionId);
  return result.exitCode;
}
