// `--passwd`, `--passwd-entry` and `--hostuser`: the lines podman adds to a container's /etc/passwd
// (its rules: a numeric -u missing from the image's file gets an entry; host users are copied
// with the working directory as home). Pure.
import { TspodError } from '../util/errors.js';

export interface PasswdInput {
  /** the image's /etc/passwd ('' when it has none) */
  imagePasswd: string;
  /** the container's user, `-u` as given or the image's USER */
  user: string;
  workdir: string;
  /** --passwd (default true) */
  passwd: boolean;
  /** --passwd-entry template with $USERNAME, $UID, $GID, $NAME, $HOME */
  passwdEntry?: string;
  /** --hostuser names, and the host's /etc/passwd to find them in */
  hostUsers: string[];
  hostPasswd: string;
  containerId: string;
}

function entries(text: string): string[][] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

/** /etc/group's line for the numeric group of -u when the image's file lacks it (podman adds
 * `GID:x:GID:USER`, USER the -u name given, so `id` names both). */
export function groupAdditions(imageGroup: string, user: string, passwd: boolean): string[] {
  if (!passwd) return [];
  const [u = '', g] = user.split(':');
  if (g === undefined || !/^\d+$/.test(g)) return [];
  if (entries(imageGroup).some((f) => f[2] === g)) return [];
  return [`${g}:x:${g}:${u}`];
}

/** The lines to append (empty: the image's file is left alone). */
export function passwdAdditions(p: PasswdInput): string[] {
  const have = entries(p.imagePasswd);
  const lines: string[] = [];
  const host = entries(p.hostPasswd);
  for (const name of p.hostUsers) {
    const e = host.find((f) => f[0] === name || (/^\d+$/.test(name) && f[2] === name));
    if (!e) throw new TspodError(`creating temporary passwd file for container ${p.containerId}: user: unknown user ${name}`, 126);
    if (have.some((f) => f[0] === e[0])) continue;
    lines.push(`${e[0]}:*:${e[2]}:${e[3]}:${e[4] ?? ''}:${p.workdir}:/bin/sh`);
  }
  const [u = '', g] = p.user.split(':');
  if (p.passwd && /^\d+$/.test(u) && !have.some((f) => f[2] === u) && !lines.some((l) => l.split(':')[2] === u)) {
    const gid = g !== undefined && /^\d+$/.test(g) ? g : '0';
    const template = p.passwdEntry ?? '$USERNAME:*:$UID:$GID:$NAME:$HOME:/bin/sh';
    const vars: Record<string, string> = { USERNAME: u, UID: u, GID: gid, NAME: 'container user', HOME: p.workdir };
    const line = template.replace(/\$(USERNAME|UID|GID|NAME|HOME)\b/g, (_, k: string) => vars[k]!);
    if (/\n/.test(line)) throw new TspodError('--passwd-entry: the entry must be one line');
    lines.push(line);
  }
  return lines;
}
