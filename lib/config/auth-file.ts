// Registry credentials in podman's auth.json format: {"auths": {"HOST": {"auth": base64(user:pass)}}}.
// Lookup order as podman's: --authfile, $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
// $XDG_CONFIG_HOME/containers/auth.json, ~/.docker/config.json. login writes the first of these.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { TspodError, errnoCode } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';

export interface Credentials {
  username: string;
  password: string;
}

interface AuthFile {
  auths?: Record<string, { auth?: string }>;
  [k: string]: unknown;
}

/** The file login writes and logout edits. */
export function primaryAuthFile(authfile?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (authfile) return authfile;
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  const runtime = env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`;
  return join(runtime, 'containers', 'auth.json');
}

function readAuthFile(path: string): AuthFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw new TspodError(`cannot read the credentials file ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as AuthFile;
  } catch (err) {
    throw new TspodError(`the credentials file ${path} is not valid JSON (${(err as Error).message}); fix it or remove it and log in again`);
  }
}

function decode(auth: string, key: string, path: string): Credentials {
  const plain = Buffer.from(auth, 'base64').toString('utf8');
  const colon = plain.indexOf(':');
  if (colon < 0) throw new TspodError(`the credentials for "${key}" in ${path} are malformed (base64 of USER:PASSWORD expected); log in again`);
  return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
}

/** Keys to try for an image NAME (host/path): the most specific repository first, then the host. */
function keysFor(name: string): string[] {
  const parts = name.split('/');
  const keys: string[] = [];
  for (let i = parts.length; i >= 1; i--) keys.push(parts.slice(0, i).join('/'));
  const host = parts[0]!;
  keys.push(`https://${host}`, `http://${host}`);
  if (host === 'docker.io') keys.push('https://index.docker.io/v1/', 'index.docker.io');
  return keys;
}

export function findCredentials(name: string, authfile?: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const home = env.HOME || homedir();
  const files = authfile
    ? [authfile]
    : [primaryAuthFile(undefined, env), join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'auth.json'), join(home, '.docker', 'config.json')];
  for (const path of files) {
    const auths = readAuthFile(path)?.auths;
    if (!auths) continue;
    for (const key of keysFor(name)) {
      const auth = auths[key]?.auth;
      if (auth) return decode(auth, key, path);
    }
  }
  return undefined;
}

export function storeCredentials(key: string, creds: Credentials, authfile?: string): string {
  const path = primaryAuthFile(authfile);
  const file = readAuthFile(path) ?? {};
  file.auths = { ...(file.auths ?? {}), [key]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, JSON.stringify(file, null, '\t') + '\n', 0o600);
  return path;
}

/** Remove KEY (or every entry with `all`); false when there was nothing to remove. */
export function removeCredentials(key: string | undefined, authfile?: string): boolean {
  const path = primaryAuthFile(authfile);
  const file = readAuthFile(path);
  if (!file?.auths) return false;
  if (key === undefined) {
    const had = Object.keys(file.auths).length > 0;
    file.auths = {};
    writeFileAtomic(path, JSON.stringify(file, null, '\t') + '\n', 0o600);
    return had;
  }
  if (!(key in file.auths)) return false;
  delete file.auths[key];
  writeFileAtomic(path, JSON.stringify(file, null, '\t') + '\n', 0o600);
  return true;
}
