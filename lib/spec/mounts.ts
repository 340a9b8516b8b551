// `--mount type=bind|volume|tmpfs|devpts,...` parsed into the container spec's mounts, with
// podman 4.3's keys, defaults and error wording. Pure: nothing here touches the file system.
import { posix } from 'node:path';
import { TspodError } from '../util/errors.js';

export type MountSpec =
  | { type: 'bind'; source: string; destination: string; readonly: boolean; options: string[] }
  /** volume: an empty name makes an anonymous volume */
  | { type: 'volume'; volume: string; destination: string; readonly: boolean; noCopy: boolean; options: string[] }
  /** tmpfs: options in mount(8) form (size=, mode=, ...) */
  | { type: 'tmpfs'; destination: string; readonly: boolean; options: string[] }
  | { type: 'devpts'; destination: string; options: string[] };

const format = 'incorrect mount format: should be --mount type=<bind|tmpfs|volume>,[src=<host-dir|volume-name>,]target=<ctr-dir>[,options]';

function bool(key: string, value: string | undefined): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new TspodError(`'readonly', 'ro', or 'rw' must be set to true or false, instead received "${value}": must provide an argument for option`);
}

/** A mount target: absolute, normalised, no `..`. */
export function mountTarget(dest: string): string {
  if (!posix.isAbsolute(dest)) throw new TspodError(`invalid container path "${dest}", must be an absolute path`);
  if (dest.split('/').includes('..')) throw new TspodError(`invalid container path "${dest}": it must not contain ".."`);
  const n = posix.normalize(dest);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** tmpfs-size (bytes or with k/m/g) -> size=..., tmpfs-mode (octal) -> mode=... */
function tmpfsOption(key: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new TspodError(`${key}: must provide an argument for option`);
  if (key === 'tmpfs-size') {
    if (!/^\d+[kKmMgG]?[bB]?$/.test(value)) throw new TspodError(`invalid tmpfs-size "${value}": use a number of bytes, optionally with k, m or g`);
    return `size=${value.replace(/[bB]$/, '')}`;
  }
  if (!/^[0-7]{1,4}$/.test(value)) throw new TspodError(`invalid tmpfs-mode "${value}": use an octal mode such as 1777`);
  return `mode=${value}`;
}

export function parseMountFlag(spec: string): MountSpec {
  let type: string | undefined;
  let source: string | undefined;
  let target: string | undefined;
  let readonly = false;
  let noCopy = false;
  const options: string[] = [];
  const fields = spec.split(',');
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    switch (key) {
      case 'type':
        type = value;
        break;
      case 'source': case 'src':
        if (!value) throw new TspodError(`${key}: must provide an argument for option`);
        source = value;
        break;
      case 'target': case 'dst': case 'destination':
        if (!value) throw new TspodError(`${key}: must provide an argument for option`);
        target = value;
        break;
      case 'ro': case 'readonly':
        readonly = bool(key, value);
        break;
      case 'rw':
        readonly = !bool(key, value);
        break;
      default:
        options.push(field);
    }
  }
  if (type === undefined) throw new TspodError(format);
  if (!['bind', 'volume', 'tmpfs', 'devpts'].includes(type)) throw new TspodError(`invalid filesystem type "${type}"`);
  if (target === undefined) throw new TspodError('must set volume destination');
  const destination = mountTarget(target);
  const refuse = (o: string) => new TspodError(`${o}: invalid mount option`);
  switch (type) {
    case 'bind': {
      const src = source ?? target;
      if (!posix.isAbsolute(src)) throw new TspodError(`invalid bind source "${src}": it must be an absolute host path`);
      for (const o of options) {
        const k = o.split('=')[0]!.toLowerCase();
        // Propagation and relabelling have no effect rootless without SELinux; podman accepts them here too.
        if (!['bind-propagation', 'bind-nonrecursive', 'relabel', 'z', 'u', 'chown'].includes(k)) throw refuse(o);
      }
      return { type, source: src, destination, readonly, options };
    }
    case 'volume': {
      if (source !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(source)) {
        throw new TspodError(`creating named volume "${source}": running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
      }
      const kept: string[] = [];
      for (const o of options) {
        const k = o.split('=')[0]!.toLowerCase();
        // tspod takes Docker's volume-nocopy too (podman 4.3 refuses it): compose files use it.
        if (k === 'nocopy' || k === 'volume-nocopy') noCopy = bool(k, o.split('=')[1]);
        else if (['u', 'chown', 'z', 'relabel'].includes(k)) kept.push(o);
        else throw refuse(o);
      }
      return { type, volume: source ?? '', destination, readonly, noCopy, options: kept };
    }
    case 'tmpfs': {
      const opts: string[] = [];
      for (const o of options) {
        const k = o.split('=')[0]!.toLowerCase();
        const v = o.includes('=') ? o.slice(o.indexOf('=') + 1) : undefined;
        if (k === 'tmpfs-size' || k === 'tmpfs-mode') opts.push(tmpfsOption(k, v));
        else if (['tmpcopyup', 'notmpcopyup', 'u', 'chown', 'noexec', 'exec', 'nosuid', 'suid', 'nodev', 'dev'].includes(k)) opts.push(k);
        else throw refuse(o);
      }
      if (source !== undefined) throw refuse(`src=${source}`);
      return { type, destination, readonly, options: opts };
    }
    default: {
      for (const o of options) {
        const [k, v] = o.split('=');
        if (!['uid', 'gid', 'mode', 'max'].includes(k!.toLowerCase()) || !v || !/^\d+$/.test(v)) throw refuse(o);
      }
      return { type: 'devpts', destination, options };
    }
  }
}
