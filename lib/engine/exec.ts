// `tspod exec`: a new process in a running container, through tspod-launch in
// exec mode (setns into the container's namespaces), with the container's
// capabilities and seccomp filter.
import { execInContainer, type LaunchPlan } from '../runtime/launch.js';
import { tspodPaths } from '../config/paths.js';
import { checkUserIds } from '../runtime/security.js';
import { TspodError } from '../util/errors.js';
import { mkdirSync } from 'node:fs';
import { newId } from '../util/ids.js';
import { devNull } from 'node:os';
import { join } from 'node:path';
import { findContainerIn, liveState } from './container-list.js';
import { mergeEnv } from '../spec/env.js';
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
}

export async function containerExec(ref: string, command: string[], opts: ExecOptions): Promise<number> {
  if (opts.user !== undefined) checkUserIds(opts.user);
  const store = openStore();
  const rec = liveState(findContainerIn(store, ref), store);
  if (rec.state.status !== 'running' || !rec.state.pid) {
    throw new TspodError(`can only create exec sessions on running containers: container ${rec.id.slice(0, 12)} is ${rec.state.status}`);
  }
  if (command.length === 0) throw new TspodError('tspod exec needs a command: tspod exec [options] CONTAINER COMMAND [ARG...]');
  const plan = rec.plan as LaunchPlan;
  // -d: the session's id, as podman prints it, names the directory of its exit and pid files.
  const sessionId = newId();
  const execDir = join(store.containers.dir(rec.id), 'userdata', `exec-${sessionId}`);
  if (opts.detach) mkdirSync(execDir);
  for (const e of opts.env) if (e.startsWith('=') || !e) throw new TspodError(`invalid environment variable "${e}": the name is empty (use KEY=VALUE)`);
  const extra = opts.env.map((e) => (e.includes('=') ? e : process.env[e] !== undefined ? `${e}=${process.env[e]}` : '')).filter(Boolean);
  const result = await execInContainer({
    target: rec.state.pid,
    user: opts.user ?? plan.user,
    cwd: opts.workdir ?? plan.cwd,
    env: mergeEnv(plan.env, opts.tty ? ['TERM=xterm'] : [], extra),
    argv: command,
    tty: opts.tty,
    security: plan.security,
  }, opts.detach
    // -d: under a monitor of its own (which outlives tspod), output discarded as podman's exec -d.
    // With -t the monitor holds the terminal's master (closing it would hang the process up).
    ? { tty: false, interactive: false, monitor: [devNull, join(execDir, 'exit'), join(execDir, 'pid'), []], attachSocket: opts.tty ? join(tspodPaths().runtime, `exec-attach-${sessionId.slice(0, 16)}`) : undefined }
    : { tty: opts.tty, interactive: opts.interactive, stdinFd: opts.stdinFd, stdoutFd: opts.stdoutFd }, { started: () => undefined });
  if (opts.detach) opts.onSession?.(sessionId);
  return result.exitCode;
}
