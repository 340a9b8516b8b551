// `tspod secret create|ls|inspect|rm` (the file driver) and the secrets a container is given
// (`run --secret`): files in the container's userdata bind-mounted read-only, or variables.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SecretStore, type SecretRecord } from '../storage/secrets.js';
import type { Store } from '../storage/store.js';
import { errnoCode, TspodError } from '../util/errors.js';
import { checkSecretName, parseSecretFilters, type SecretRequest } from '../spec/secrets.js';
import { openStore } from './store.js';
import { runInUserns } from '../runtime/userns.js';

/** podman's limit on a secret's size. */
const maxSecretSize = 512000;

/** podman's `secret inspect` JSON. */
export interface SecretReport {
  ID: string;
  CreatedAt: string;
  UpdatedAt: string;
  Spec: { Name: string; Driver: { Name: string; Options: Record<string, string> }; Labels: Record<string, string> };
}

function secrets(store: Store): SecretStore {
  return new SecretStore(store.root);
}

function notFound(ref: string): TspodError {
  return new TspodError(`no secret with name or id "${ref}": no such secret`);
}

export interface SecretCreateOptions {
  name: string;
  driver?: string;
  labels: Record<string, string>;
  /** the data's source: a file, `-` (stdin), or with fromEnv the name of a variable */
  source: string;
  fromEnv: boolean;
  readStdin: () => Buffer;
}

export async function secretCreate(o: SecretCreateOptions): Promise<string> {
  checkSecretName(o.name);
  const driver = o.driver ?? 'file';
  if (driver !== 'file') {
    if (['pass', 'shell'].includes(driver)) throw new TspodError(`creating secret ${o.name}: the ${driver} driver is not supported by tspod; use --driver file (the default)`);
    throw new TspodError('invalid driver');
  }
  let data: Buffer;
  if (o.fromEnv) {
    const v = process.env[o.source];
    if (v === undefined) throw new TspodError(`cannot create store secret data: environment variable ${o.source} is not set`);
    data = Buffer.from(v);
  } else if (o.source === '-') {
    data = o.readStdin();
  } else {
    try {
      data = readFileSync(o.source);
    } catch (err) {
      const code = errnoCode(err);
      throw new TspodError(`open ${o.source}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`);
    }
  }
  if (data.length === 0 || data.length >= maxSecretSize) throw new TspodError(`secret data must be larger than 0 and less than ${maxSecretSize} bytes`);
  const store = openStore();
  return store.locked(async () => {
    const s = secrets(store);
    if (s.list().some((r) => r.name === o.name)) throw new TspodError(`${o.name}: secret name in use`);
    const now = new Date().toISOString();
    const rec: SecretRecord = { version: 1, id: randomBytes(13).toString('hex').slice(0, 25), name: o.name, created: now, updated: now, driver: 'file', labels: o.labels };
    s.add(rec, data);
    return rec.id;
  });
}

function report(s: SecretStore, r: SecretRecord): SecretReport {
  return { ID: r.id, CreatedAt: r.created, UpdatedAt: r.updated, Spec: { Name: r.name, Driver: { Name: r.driver, Options: { path: s.dataDir } }, Labels: r.labels } };
}

export function secretInspect(refs: string[]): { reports: SecretReport[]; errors: string[] } {
  const s = secrets(openStore());
  const reports: SecretReport[] = [];
  const errors: string[] = [];
  for (const ref of refs) {
    const r = s.find(ref);
    if (r) reports.push(report(s, r));
    else errors.push(`inspecting secret: ${notFound(ref).message}`);
  }
  return { reports, errors };
}

/** podman's ls rows: ID, Name, Driver, CreatedAt, UpdatedAt (as Go prints times). */
export interface SecretListRow { ID: string; Name: string; Driver: string; CreatedAt: string; UpdatedAt: string; Created: string; Updated: string }

export function secretList(filters: string[]): SecretListRow[] {
  const f = parseSecretFilters(filters);
  return secrets(openStore()).list()
    .filter((r) => f.every(({ key, value }) => (key === 'name' ? r.name : r.id).includes(value)))
    .map((r) => ({ ID: r.id, Name: r.name, Driver: r.driver, CreatedAt: r.created, UpdatedAt: r.updated, Created: r.created, Updated: r.updated }));
}

export async function secretRemove(refs: string[], all: boolean): Promise<Array<{ id?: string; error?: string }>> {
  const store = openStore();
  return store.locked(async () => {
    const s = secrets(store);
    const targets = all ? s.list().map((r) => r.id) : refs;
    const out: Array<{ id?: string; error?: string }> = [];
    for (const ref of targets) {
      const r = s.find(ref);
      if (!r) {
        out.push({ error: notFound(ref).message });
        continue;
      }
      // As podman 4.3: a container given the secret keeps its copy (made at create).
      s.remove(r.id);
      out.push({ id: r.id });
    }
    return out;
  });
}

/** A container's secrets, made at create: mount secrets as files under DIR/userdata (the
 * secrets directory is bound at /run/secrets, an absolute target on its own), env secrets as
 * variables of the launch plan only (never in the record's Env, as podman keeps them out of inspect). */
export interface ContainerSecrets {
  /** inspect's Config.Secrets */
  config: Array<{ Name: string; ID: string; UID: number; GID: number; Mode: number }>;
  binds: Array<{ source: string; destination: string; readonly: boolean }>;
  env: string[];
  /** files whose owner must be set as the container sees it (uid/gid other than 0) */
  chown: Array<{ path: string; uid: number; gid: number }>;
}

export function resolveSecrets(store: Store, requests: SecretRequest[], userdata: string): ContainerSecrets {
  const out: ContainerSecrets = { config: [], binds: [], env: [], chown: [] };
  if (!requests.length) return out;
  const s = secrets(store);
  const runDir = join(userdata, 'secrets');
  let runDirUsed = false;
  requests.forEach((q, i) => {
    const r = s.find(q.source);
    if (!r) throw notFound(q.source);
    const data = s.data(r.id);
    out.config.push({ Name: r.name, ID: r.id, UID: q.uid, GID: q.gid, Mode: q.mode });
    if (q.type === 'env') {
      out.env.push(`${q.target}=${data.toString('utf8')}`);
      return;
    }
    const absolute = q.target.startsWith('/');
    const file = absolute ? join(userdata, 'secret-files', String(i)) : join(runDir, q.target);
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, data, { mode: 0o600 });
    chmodSync(file, q.mode);
    if (q.uid || q.gid) out.chown.push({ path: file, uid: q.uid, gid: q.gid });
    if (absolute) out.binds.push({ source: file, destination: q.target, readonly: true });
    else runDirUsed = true;
  });
  if (runDirUsed) {
    chmodSync(runDir, 0o755);
    out.binds.unshift({ source: runDir, destination: '/run/secrets', readonly: true });
  }
  return out;
}

/** uid=/gid= of a mount secret: the owner as the container sees it, set as root of the user namespace. */
export async function chownSecrets(s: ContainerSecrets): Promise<void> {
  for (const c of s.chown) {
    const r = await runInUserns(['chown', `${c.uid}:${c.gid}`, '--', c.path]);
    if (r.exitCode !== 0) throw new TspodError(`cannot give the secret ${c.path} to ${c.uid}:${c.gid}: ${r.stderr.trim() || `exit ${r.exitCode}`}: the ids must be in your /etc/subuid and /etc/subgid ranges`);
  }
}
