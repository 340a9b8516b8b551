// `--secret NAME[,type=mount|env,target=,uid=,gid=,mode=]` and secret names, as podman 4.3
// parses and validates them (its wording). Pure.
import { posix } from 'node:path';
import { TspodError } from '../util/errors.js';

export interface SecretRequest {
  source: string;
  type: 'mount' | 'env';
  /** mount: a file name under /run/secrets or an absolute path; env: the variable's name */
  target: string;
  uid: number;
  gid: number;
  mode: number;
}

const bad = (why: string) => new TspodError(`${why}: parsing secret`);

export function parseSecretFlag(spec: string): SecretRequest {
  const parts = spec.split(',');
  let source = '';
  let type: 'mount' | 'env' | undefined;
  let target = '';
  let uid: number | undefined;
  let gid: number | undefined;
  let mode: number | undefined;
  parts.forEach((p, i) => {
    const eq = p.indexOf('=');
    if (eq < 0) {
      if (i === 0 && p) {
        source = p;
        return;
      }
      throw bad(`option ${p} invalid`);
    }
    const key = p.slice(0, eq);
    const value = p.slice(eq + 1);
    const num = (base: number) => {
      const n = base === 8 ? (/^[0-7]+$/.test(value) ? parseInt(value, 8) : NaN) : /^\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) throw bad(`${key} ${value} invalid`);
      return n;
    };
    switch (key) {
      case 'source': source = value; break;
      case 'type':
        if (value !== 'mount' && value !== 'env') throw bad(`type ${value} is invalid`);
        type = value;
        break;
      case 'target': target = value; break;
      case 'uid': uid = num(10); break;
      case 'gid': gid = num(10); break;
      case 'mode': mode = num(8); break;
      default: throw bad(`option ${p} invalid`);
    }
  });
  if (!source) throw bad('no source found ' + spec);
  const t = type ?? 'mount';
  if (t === 'env' && (uid !== undefined || gid !== undefined || mode !== undefined)) throw bad('UID, GID, Mode options cannot be set with secret type env');
  if (uid !== undefined && uid > 2147483647) throw new TspodError('uids and gids must be in range 0-2147483647', 126);
  if (gid !== undefined && gid > 2147483647) throw new TspodError('uids and gids must be in range 0-2147483647', 126);
  if (mode !== undefined && mode > 0o7777) throw bad(`mode ${mode.toString(8)} invalid`);
  if (t === 'env') {
    target ||= source;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(target)) throw bad(`target ${target} is not a valid environment variable name`);
  } else {
    target ||= source;
    const normal = posix.normalize(target);
    if (target.split('/').includes('..') || (!posix.isAbsolute(target) && normal.includes('/')) || normal === '/' || normal === '.') {
      throw bad(`target ${target} invalid: a file name under /run/secrets, or an absolute path in the container`);
    }
    target = normal;
  }
  return { source, type: t, target, uid: uid ?? 0, gid: gid ?? 0, mode: mode ?? 0o444 };
}

/** podman's rule for secret names (and its message). */
export function checkSecretName(name: string): void {
  if (!/^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9])?$/.test(name)) {
    throw new TspodError(`only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: ${name}: invalid secret name`);
  }
}

/** `secret ls --filter name=|id=` (podman 4.3 takes these two). */
export function parseSecretFilters(specs: string[]): Array<{ key: 'name' | 'id'; value: string }> {
  return specs.map((s) => {
    const eq = s.indexOf('=');
    const key = eq < 0 ? s : s.slice(0, eq);
    if (key !== 'name' && key !== 'id') throw new TspodError(`invalid filter "${key}"`);
    return { key, value: eq < 0 ? '' : s.slice(eq + 1) };
  });
}
