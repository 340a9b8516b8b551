// A build's inputs: the context (a directory, a tar archive, or stdin), the
// Containerfiles (-f, several concatenated, `-` for stdin), build args from
// --build-arg-file, --secret files, --build-context, --cert-dir, and podman's
// option values that need parsing (--cache-ttl, --retry-delay, HEALTHCHECK's).
import { spawn } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { helperPath } from '../config/paths.js';
import { defaultLimits, extractLayer, type ExtractLauncher } from '../storage/extract.js';
import { TspodError } from '../util/errors.js';

/** tspod-extract on its own, as you (a user namespace of your own), `.wh.` names kept as files. */
const plainLauncher: ExtractLauncher = (args, stdin: Readable) => new Promise((res, rej) => {
  const child = spawn(helperPath('tspod-extract'), ['--own-userns', '--plain', ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  pipeline(stdin, child.stdin, () => undefined);
  child.on('error', (err) => rej(new Error(`cannot run tspod-extract: ${err.message}`)));
  child.on('close', (code) => res({ exitCode: code ?? 128, stderr }));
});

/** What kind of archive FILE is, by its first bytes. */
export function archiveKind(file: string): 'tar' | 'gzip' | 'zstd' | 'bzip2' | 'xz' | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const b = Buffer.alloc(512);
    const n = readSync(fd, b, 0, 512, 0);
    if (n >= 262 && b.subarray(257, 262).toString() === 'ustar') return 'tar';
    if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (n >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    if (b.subarray(0, 3).toString() === 'BZh') return 'bzip2';
    if (b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Unpack the archive FILE into DIR (made) with tspod-extract: nothing may land outside DIR. */
export async function unpackArchive(file: string, dir: string, what: string): Promise<void> {
  const kind = archiveKind(file);
  let tar = file;
  if (kind === 'bzip2' || kind === 'xz') {
    // Node has no xz or bzip2: the system's tool decompresses it, no larger than a layer may be
    tar = `${dir}.tar`;
    await decompressWith(kind, file, tar, defaultLimits().maxBytes, what);
  }
  mkdirSync(dir, { recursive: true });
  try {
    await extractLayer(tar, dir, defaultLimits(), undefined, plainLauncher);
  } catch (err) {
    throw new TspodError(`${what} cannot be unpacked: ${(err as Error).message}`);
  } finally {
    if (tar !== file) rmSync(tar, { force: true });
  }
}

function decompressWith(tool: 'xz' | 'bzip2', file: string, out: string, max: number, what: string): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(tool, ['-dc', '--', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const sink = createWriteStream(out, { mode: 0o600 });
    let n = 0, stderr = '', tooBig = false;
    child.stdout.on('data', (c: Buffer) => {
      n += c.length;
      if (n > max && !tooBig) {
        tooBig = true;
        child.kill('SIGKILL');
      }
    });
    child.stdout.pipe(sink);
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => rej(new TspodError(`${what}: a ${tool} archive needs the ${tool} program, which cannot be run (${err.message}): install it, or use a gzip or zstd archive`)));
    child.on('close', (code) => {
      sink.end(() => {
        if (tooBig) rej(new TspodError(`${what}: it unpacks to more than ${max} bytes (TSPOD_LAYER_MAX_BYTES)`));
        else if (code !== 0) rej(new TspodError(`${what}: ${tool} -d failed: ${stderr.trim() || `exit ${code}`}`));
        else res();
      });
    });
  });
}

let stdinText: Buffer | undefined;
function readStdin(): Buffer {
  stdinText ??= readFileSync(0);
  return stdinText;
}

/** The context directory: CONTEXT itself, or a tar archive (a file, or `-`: stdin) unpacked under WORK.
 * With `-` and no archive on stdin, stdin is the Containerfile (Docker's `build - < Containerfile`). */
export async function prepareContext(context: string, work: string): Promise<{ ctx: string; stdinContainerfile?: string }> {
  if (/^(https?|git):\/\/|^git@|^github\.com\//.test(context)) {
    throw new TspodError(`a URL as the build context ("${context}") is not supported by tspod: fetch it (a git clone or a tar archive) and give the directory or the file`);
  }
  if (context === '-') {
    const data = readStdin();
    const file = join(work, 'context-stdin');
    writeFileSync(file, data, { mode: 0o600 });
    const dir = join(work, 'context');
    if (archiveKind(file)) {
      await unpackArchive(file, dir, 'the build context on stdin');
      return { ctx: dir };
    }
    mkdirSync(dir);
    return { ctx: dir, stdinContainerfile: data.toString('utf8') };
  }
  let st;
  try {
    st = statSync(context);
  } catch {
    throw new TspodError(`no such file or directory: the build context "${context}" does not exist; give a directory or a tar archive`);
  }
  if (st.isDirectory()) return { ctx: resolve(context) };
  if (!archiveKind(context)) throw new TspodError(`the build context "${context}" is neither a directory nor a tar archive`);
  const dir = join(work, 'context');
  await unpackArchive(context, dir, `the build context archive ${context}`);
  return { ctx: dir };
}

/** The Containerfile text: each -f in order (`-`: stdin; a path from the working directory, else from the
 * context), concatenated as podman does; else Containerfile, then Dockerfile, in the context. */
export function readContainerfiles(files: string[], ctx: string, stdinContainerfile?: string): { text: string; name: string } {
  if (files.length === 0) {
    if (stdinContainerfile !== undefined) return { text: stdinContainerfile, name: '-' };
    const found = ['Containerfile', 'Dockerfile'].map((n) => join(ctx, n)).find((f) => existsSync(f));
    if (!found) throw new TspodError(`no Containerfile or Dockerfile specified or found in context directory, ${ctx}: stat ${join(ctx, 'Dockerfile')}: no such file or directory`);
    return { text: readFileSync(found, 'utf8'), name: found };
  }
  const texts = files.map((f) => {
    if (f === '-') {
      if (stdinContainerfile !== undefined) throw new TspodError('-f - and the context - both read stdin: give one of them as a file');
      return readStdin().toString('utf8');
    }
    if (/^https?:\/\//.test(f)) throw new TspodError(`-f ${f}: a Containerfile URL is not supported by tspod: download it and give the file`);
    const path = existsSync(f) ? f : join(ctx, f);
    try {
      return readFileSync(path, 'utf8');
    } catch {
      throw new TspodError(`stat ${resolve(path)}: no such file or directory: the Containerfile given with -f does not exist (a relative path is read from the working directory, else from the context)`);
    }
  });
  return { text: texts.join('\n'), name: files.length === 1 ? (files[0] === '-' ? '-' : resolve(files[0]!)) : files.join(',') };
}

/** --build-arg-file FILE: KEY=VALUE a line (`#` comments, blank lines skipped), then --build-arg over them. */
export function buildArgsFrom(files: string[], args: string[], env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const out = new Map<string, string>();
  const one = (a: string) => {
    const eq = a.indexOf('=');
    if (eq < 0) {
      if (env[a] !== undefined) out.set(a, env[a]!);
    } else out.set(a.slice(0, eq), a.slice(eq + 1));
  };
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (err) {
      throw new TspodError(`--build-arg-file ${f}: ${(err as Error).message}`);
    }
    for (const l of text.split('\n').map((x) => x.trim())) if (l && !l.startsWith('#')) one(l);
  }
  args.forEach(one);
  return out;
}

/** --secret id=ID,src=PATH (type=file, the default) or id=ID,env=VAR (type=env): ID -> a file to mount. */
export function parseSecrets(specs: string[], work: string, env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of specs) {
    const kv = new Map(spec.split(',').map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
    }));
    const id = kv.get('id');
    if (!id) throw new TspodError(`--secret "${spec}": an id is required (id=ID,src=PATH)`);
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new TspodError(`--secret "${spec}": the id may hold letters, digits, '_', '.', '-'`);
    const type = kv.get('type') ?? (kv.has('env') && !kv.has('src') && !kv.has('source') ? 'env' : 'file');
    if (type === 'env') {
      const name = kv.get('env') ?? kv.get('src') ?? id;
      if (env[name] === undefined) throw new TspodError(`--secret "${spec}": the environment variable ${name} is not set`);
      const file = join(work, `secret-${id}`);
      writeFileSync(file, env[name]!, { mode: 0o600 });
      out.set(id, file);
    } else if (type === 'file') {
      const src = kv.get('src') ?? kv.get('source');
      if (!src) throw new TspodError(`--secret "${spec}": src=PATH is required for a file secret`);
      if (!existsSync(src) || !statSync(src).isFile()) throw new TspodError(`--secret "${spec}": ${src} is not a file`);
      out.set(id, resolve(src));
    } else throw new TspodError(`--secret "${spec}": unknown type "${type}" (file or env)`);
  }
  return out;
}

/** --build-context NAME=VALUE: a directory, or an image (docker-image://REF, container-image://REF). */
export type NamedContext = { dir: string } | { image: string };
export function parseBuildContexts(specs: string[]): Map<string, NamedContext> {
  const out = new Map<string, NamedContext>();
  for (const s of specs) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new TspodError(`--build-context "${s}": expected NAME=VALUE`);
    const name = s.slice(0, eq).toLowerCase(), v = s.slice(eq + 1);
    const img = /^(docker-image|container-image):\/\/(.+)$/.exec(v);
    if (img) out.set(name, { image: img[2]! });
    else if (/^[a-z-]+:\/\//.test(v)) throw new TspodError(`--build-context ${s}: only directories and docker-image:// or container-image:// are supported by tspod`);
    else {
      if (!existsSync(v) || !statSync(v).isDirectory()) throw new TspodError(`--build-context ${s}: ${v} is not a directory`);
      out.set(name, { dir: resolve(v) });
    }
  }
  return out;
}

/** --cert-dir DIR: its *.crt files trusted as CAs for this build's pulls (beside NODE_EXTRA_CA_CERTS). */
export function trustCertDir(dir: string, work: string, env: NodeJS.ProcessEnv = process.env): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.crt')).sort();
  } catch (err) {
    throw new TspodError(`--cert-dir ${dir}: ${(err as Error).message}`);
  }
  const parts = names.map((n) => readFileSync(join(dir, n), 'utf8'));
  if (env.TSPOD_EXTRA_CA_CERTS) {
    try {
      parts.unshift(readFileSync(env.TSPOD_EXTRA_CA_CERTS, 'utf8'));
    } catch { /* the client warns about it */ }
  }
  const file = join(work, 'ca-certs.pem');
  writeFileSync(file, parts.join('\n'));
  env.TSPOD_EXTRA_CA_CERTS = file;
}

/** A Go duration as podman takes it (1h30m, 10s, 500ms) in milliseconds. */
export function parseDuration(flag: string, v: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (v === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0, m: RegExpExecArray | null, end = 0;
  while ((m = re.exec(v))) {
    total += Number(m[1]) * units[m[2]!]!;
    end = re.lastIndex;
  }
  if (!v || end !== v.length) throw new TspodError(`invalid ${flag} "${v}": use a duration such as 10s, 5m or 1h30m`);
  return total;
}
