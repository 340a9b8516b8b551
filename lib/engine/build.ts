// `tspod build`: a Containerfile's stages, step by step. Each step becomes an
// (unnamed, intermediate) image: RUN in a container made by the run machinery,
// with tspod's rootless confinement, whose writable layer is committed only when
// it exits 0; COPY/ADD as a layer tar written from the context; the rest as
// config. A step whose parent, instruction, resulting config and content are
// unchanged reuses the cached image ("--> Using cache").
import { closeSync, constants, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { jsonForm, parseContainerfile, type Instruction, type Stage } from '../build/dockerfile.js';
import { expandWord, keyValues, shellWords } from '../build/expand.js';
import { ignoreMatcher, imageSources, type Ignore, layerLookup, parseChmod, resolveSources, writeCopyLayer, type Source } from '../build/context.js';
import { buildCacheDir } from '../build/cache.js';
import { composeImage, defaultPath, readConfig, type Config } from '../build/compose.js';
import { sha256, sha256File } from '../storage/blobs.js';
import type { ImageRecord } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { localImageName } from '../image/resolve.js';
import { packUpperLayer } from '../runtime/userns.js';
import { TspodError } from '../util/errors.js';
import { openStore } from './store.js';
import { imageForRun } from './registry.js';
import { createContainer, parseLabels, removeContainerFiles, startAttached } from './run.js';

export interface BuildOptions {
  context: string;
  /** -f: the Containerfile (default: Containerfile, then Dockerfile, in the context) */
  file?: string;
  tags: string[];
  buildArgs: string[];
  labels: string[];
  noCache: boolean;
  quiet: boolean;
  target?: string;
  network: string;
}

/** Lines for the user (stdout, podman's order); RUN output goes straight to stdout. */
export type Report = (line: string) => void;

interface StageState {
  image: ImageRecord | undefined;
  config: Config;
  args: Map<string, string>;
  cmdSet?: boolean;
  /** the FROM image's name, for the first step's history comment (then the parent's id) */
  fromName?: string;
}

const short = (id: string) => id.slice(7, 18);
let layerCount = 0;

export async function build(o: BuildOptions, report: Report, warn: Report): Promise<ImageRecord> {
  const store = openStore();
  const ctx = resolve(o.context);
  if (!existsSync(ctx)) throw new TspodError(`no such file or directory: the build context "${o.context}" does not exist`);
  const file = o.file ? resolve(o.file) : ['Containerfile', 'Dockerfile'].map((n) => join(ctx, n)).find((f) => existsSync(f));
  if (!file || !existsSync(file)) throw new TspodError(`no Containerfile or Dockerfile specified or found in context directory, ${ctx}: stat ${o.file ?? join(ctx, 'Dockerfile')}: no such file or directory`);
  const ignored = ignoreMatcher(ctx);
  const parsed = parseContainerfile(readFileSync(file, 'utf8'), file);
  const buildArgs = new Map<string, string>();
  for (const a of o.buildArgs) {
    const eq = a.indexOf('=');
    if (eq < 0) {
      if (process.env[a] !== undefined) buildArgs.set(a, process.env[a]!);
    } else buildArgs.set(a.slice(0, eq), a.slice(eq + 1));
  }
  const used = new Set<string>();
  const globalArgs = new Map<string, string>();
  for (const ins of parsed.globalArgs) {
    for (const [k, v] of keyValues(ins.args, globalArgs, 'ARG')) {
      used.add(k);
      const val = buildArgs.get(k) ?? v;
      if (val !== undefined) globalArgs.set(k, val);
    }
  }
  let last = parsed.stages.length - 1;
  if (o.target !== undefined) {
    last = parsed.stages.findIndex((s) => s.name === o.target!.toLowerCase());
    if (last < 0) throw new TspodError(`the target "${o.target}" was not found in the provided Dockerfile`);
  }
  const stages = parsed.stages.slice(0, last + 1);
  const built: ImageRecord[] = [];
  const labels = parseLabels(o.labels);
  mkdirSync(join(store.root, 'tmp'), { recursive: true });
  const work = mkdtempSync(join(store.root, 'tmp', 'build-'));
  let final: ImageRecord | undefined;
  try {
    for (const stage of stages) {
      const prefix = stages.length > 1 ? `[${stage.index + 1}/${stages.length}] ` : '';
      const total = stage.steps.length + 1;
      const step = (n: number, ins: Instruction) => { if (!o.quiet) report(`${prefix}STEP ${n}/${total}: ${ins.text}`); };
      step(1, stage.from);
      const st = await fromStage(store, stage, parsed.stages, built, globalArgs);
      const isFinal = stage.index === last;
      if (isFinal && Object.keys(labels).length) st.config = { ...st.config, Labels: { ...(st.config.Labels ?? {}), ...labels } };
      const base = st.image;
      for (const [i, ins] of stage.steps.entries()) {
        step(i + 2, ins);
        const lastStep = isFinal && i === stage.steps.length - 1;
        try {
          await runStep(store, st, ins, { ...o, ctx, ignored, work, buildArgs, globalArgs, used, built, stages: parsed.stages, report, warn });
        } catch (err) {
          // podman's form: which step, then why
          if (err instanceof TspodError && !err.message.startsWith('building at STEP')) throw new TspodError(`building at STEP "${ins.text}": ${err.message}`, err.exitCode);
          throw err;
        }
        if (lastStep && !o.quiet) report(`COMMIT ${o.tags[0] ?? ''}`.trimEnd());
        if (!o.quiet) report(`--> ${short(st.image!.id)}`);
      }
      if (st.image === base || st.image === undefined) {
        // A stage of FROM alone (or --label on it): its own image, so that it can be named.
        if (isFinal && !o.quiet) report(`COMMIT ${o.tags[0] ?? ''}`.trimEnd());
        st.image = await composeImage(store, base, undefined, st.config, `/bin/sh -c #(nop) FROM ${stage.from.args}`, []);
        if (isFinal && !o.quiet) report(`--> ${short(st.image.id)}`);
      }
      built[stage.index] = st.image;
      if (isFinal) final = st.image;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const unused = [...buildArgs.keys()].filter((k) => !used.has(k));
  if (unused.length) warn(`[Warning] one or more build args were not consumed: [${unused.join(' ')}]`);
  const names = o.tags.map(localImageName);
  if (names.length) {
    final = await store.locked(async () => {
      const rec = { ...final!, names: [...new Set([...final!.names, ...names])] };
      store.images.save(rec);
      return rec;
    });
    if (!o.quiet) for (const n of names) report(`Successfully tagged ${n}`);
  }
  return final!;
}

async function fromStage(store: Store, stage: Stage, all: Stage[], built: ImageRecord[], globalArgs: Map<string, string>): Promise<StageState> {
  const ref = expandWord(stage.from.args.split(/\s+/)[0]!, globalArgs);
  const earlier = all.findIndex((s) => s.index < stage.index && (s.name === ref.toLowerCase() || String(s.index) === ref));
  let image: ImageRecord | undefined;
  if (earlier >= 0) image = built[earlier];
  else if (ref !== 'scratch') image = await imageForRun(store, ref, 'missing', {});
  const config: Config = image ? { ...(readConfig(store, image).config ?? {}) } : {};
  if (!(config.Env ?? []).some((e) => e.startsWith('PATH='))) config.Env = [defaultPath, ...(config.Env ?? [])];
  return { image, config, args: new Map(), fromName: image?.names[0] ?? (earlier >= 0 ? undefined : ref) };
}

interface StepContext extends Omit<BuildOptions, 'buildArgs'> {
  ctx: string;
  ignored: Ignore;
  /** ARGs before the first FROM, whose defaults an `ARG NAME` in a stage takes */
  globalArgs: Map<string, string>;
  work: string;
  buildArgs: Map<string, string>;
  used: Set<string>;
  built: ImageRecord[];
  stages: Stage[];
  report: Report;
  warn: Report;
}

/** Variables for expansion: the stage's ARGs, then its ENV over them (as Docker). */
function vars(st: StageState): Map<string, string> {
  const m = new Map(st.args);
  for (const e of st.config.Env ?? []) {
    const eq = e.indexOf('=');
    if (eq > 0) m.set(e.slice(0, eq), e.slice(eq + 1));
  }
  return m;
}

function diffDirs(store: Store, img: ImageRecord | undefined): string[] {
  return img ? [...img.chainIds].reverse().map((c) => store.layers.diffDir(c)) : [];
}

function setEnv(env: string[], k: string, v: string): string[] {
  const out = env.filter((e) => !e.startsWith(`${k}=`));
  const i = env.findIndex((e) => e.startsWith(`${k}=`));
  if (i >= 0) out.splice(i, 0, `${k}=${v}`);
  else out.push(`${k}=${v}`);
  return out;
}

function commandForm(args: string): string[] {
  return jsonForm(args) ?? ['/bin/sh', '-c', args];
}

async function runStep(store: Store, st: StageState, ins: Instruction, o: StepContext): Promise<void> {
  const v = vars(st);
  const c: Config = { ...st.config };
  let layer: string | undefined;
  let contentDigest = '';
  let createdBy = `/bin/sh -c #(nop) ${ins.text}`;
  let run: string[] | undefined;
  switch (ins.keyword) {
    case 'ENV':
      for (const [k, val] of keyValues(ins.args, v, 'ENV')) c.Env = setEnv(c.Env ?? [], k, val ?? '');
      break;
    case 'ARG':
      for (const [k, def] of keyValues(ins.args, v, 'ARG')) {
        o.used.add(k);
        const val = o.buildArgs.get(k) ?? def ?? o.globalArgs.get(k);
        if (val !== undefined) st.args.set(k, val);
      }
      createdBy = `/bin/sh -c #(nop) ARG ${keyValues(ins.args, v, 'ARG').map(([k]) => k).join(' ')}`;
      break;
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(keyValues(ins.args, v, 'LABEL').map(([k, val]) => [k, val ?? ''])) };
      break;
    case 'MAINTAINER':
      break;
    case 'WORKDIR': {
      const dir = posix.resolve(c.WorkingDir || '/', expandWord(ins.args, v));
      c.WorkingDir = dir;
      if (layerLookup(diffDirs(store, st.image))(dir) === undefined) {
        layer = join(o.work, `layer-${++layerCount}.tar`);
        const fd = openSync(layer, 'w', 0o600);
        try {
          writeCopyLayer(fd, [], `${dir}/`, { uid: 0, gid: 0 }, layerLookup(diffDirs(store, st.image)));
        } finally {
          closeSync(fd);
        }
      }
      break;
    }
    case 'USER': c.User = expandWord(ins.args, v); break;
    case 'STOPSIGNAL': c.StopSignal = expandWord(ins.args, v); break;
    case 'EXPOSE': {
      const ports = { ...(c.ExposedPorts ?? {}) };
      for (const p of shellWords(ins.args, v)) {
        if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw new TspodError(`EXPOSE ${ins.args}: invalid port "${p}" (PORT[/tcp|udp|sctp])`);
        ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
      }
      c.ExposedPorts = ports;
      break;
    }
    case 'VOLUME': {
      const vols = { ...(c.Volumes ?? {}) };
      for (const p of jsonForm(ins.args) ?? shellWords(ins.args, v)) vols[p] = {};
      c.Volumes = vols;
      break;
    }
    case 'CMD': c.Cmd = commandForm(ins.args); st.cmdSet = true; break;
    case 'ENTRYPOINT':
      c.Entrypoint = commandForm(ins.args);
      if (!st.cmdSet) delete c.Cmd; // the base image's Cmd goes with a new ENTRYPOINT, as Docker
      break;
    // podman's default --format oci has no field for these: the step is kept in the history, its effect dropped
    // (SHELL does not change how RUN runs either, as podman's).
    case 'HEALTHCHECK':
      o.warn('WARN[0000] HEALTHCHECK is not supported for OCI image format and will be ignored. Must use `docker` format');
      break;
    case 'SHELL':
      o.warn(`WARN[0000] SHELL is not supported for OCI image format, [${(jsonForm(ins.args) ?? [ins.args]).join(' ')}] will be ignored. Must use \`docker\` format`);
      break;
    case 'ONBUILD':
      o.warn(`WARN[0000] ONBUILD is not supported for OCI image format, ${ins.args} will be ignored. Must use \`docker\` format`);
      break;
    case 'RUN':
      run = commandForm(ins.args);
      // podman's form: the build args the step sees first ("|N K=V ...")
      createdBy = `${st.args.size ? `|${st.args.size} ${[...st.args].map(([k, val]) => `${k}=${val}`).join(' ')} ` : ''}${jsonForm(ins.args) ? run.join(' ') : `/bin/sh -c ${ins.args}`}`;
      break;
    case 'COPY': case 'ADD': {
      const words = jsonForm(ins.args) ?? shellWords(ins.args, v);
      if (words.length < 2) throw new TspodError(`${ins.keyword} requires at least two arguments: ${ins.keyword} SOURCE... DEST`);
      const dest = posix.resolve(c.WorkingDir || '/', words.at(-1)!) + (words.at(-1)!.endsWith('/') || words.at(-1) === '.' ? '/' : '');
      const srcs = words.slice(0, -1);
      if (ins.keyword === 'ADD' && srcs.some((s) => /^https?:\/\//.test(s))) throw new TspodError('ADD of a URL is not supported by tspod build yet: download the file into the context and COPY it');
      let sources: Source[];
      const from = ins.flags.from;
      if (from !== undefined) {
        const fromRef = expandWord(from, v);
        const idx = o.stages.findIndex((s) => s.name === fromRef.toLowerCase() || String(s.index) === fromRef);
        const img = idx >= 0 ? o.built[idx] : await imageForRun(store, fromRef, 'missing', {});
        if (!img) throw new TspodError(`COPY --from=${fromRef}: stage ${fromRef} is not built before this one`);
        sources = imageSources(diffDirs(store, img), srcs, fromRef);
      } else sources = resolveSources(o.ctx, srcs, o.ignored);
      if (ins.keyword === 'ADD') {
        const archive = sources.find((s) => isArchive(s.hosts[0]!));
        if (archive) throw new TspodError(`ADD of a local archive (${archive.name}), which podman unpacks, is not supported by tspod build yet: COPY it and unpack it with RUN tar -x`);
      }
      const [uid, gid] = ins.flags.chown ? owner(store, st.image, expandWord(ins.flags.chown, v)) : [0, 0];
      const mode = ins.flags.chmod ? parseChmod(ins.flags.chmod) : undefined;
      layer = join(o.work, `layer-${++layerCount}.tar`);
      const fd = openSync(layer, 'w', 0o600);
      try {
        writeCopyLayer(fd, sources, dest, { uid, gid, mode }, layerLookup(diffDirs(store, st.image)));
      } finally {
        closeSync(fd);
      }
      contentDigest = await sha256File(layer);
      const kind = sources.length === 1 && !lstatSync(sources[0]!.hosts[0]!).isDirectory() ? 'file' : 'dir';
      createdBy = `/bin/sh -c #(nop) ${ins.keyword} ${contentDigest.replace('sha256:', `${kind}:`)} in ${words.at(-1)} `;
      break;
    }
    default:
      throw new TspodError(`building at STEP "${ins.text}": unknown instruction: ${ins.keyword}`);
  }
  st.config = c;
  const runEnv = [...st.args].map(([k, val]) => `${k}=${val}`).filter((e) => !(c.Env ?? []).some((x) => x.split('=')[0] === e.split('=')[0]));
  const key = sha256(JSON.stringify([st.image?.id ?? 'scratch', ins.text, c, contentDigest, run ? runEnv : []]));
  const cacheFile = join(buildCacheDir(store.root), key.slice(7));
  if (!o.noCache) {
    const hit = existsSync(cacheFile) ? store.images.get(readFileSync(cacheFile, 'utf8').trim()) : undefined;
    if (hit) {
      if (!o.quiet) o.report(`--> Using cache ${hit.id.slice(7)}`);
      st.image = hit;
      if (layer) rmSync(layer, { force: true });
      return;
    }
  }
  if (run) layer = await runInContainer(store, st, ins, run, runEnv, o);
  const img = await composeImage(store, st.image, layer, c, createdBy, [], `FROM ${st.image ? (st.fromName ?? st.image.id.slice(7, 19)) : 'scratch'}`);
  st.fromName = undefined;
  if (layer) rmSync(layer, { force: true });
  mkdirSync(buildCacheDir(store.root), { recursive: true });
  writeFileSync(cacheFile, img.id);
  st.image = img;
}

/** --chown USER[:GROUP]: numbers, or names from the image's /etc/passwd and /etc/group. */
function owner(store: Store, img: ImageRecord | undefined, spec: string): [number, number] {
  const [u = '', g] = spec.split(':');
  const lookupId = (file: string, name: string): number => {
    if (/^\d+$/.test(name)) return Number(name);
    for (const d of diffDirs(store, img)) {
      let text: string;
      try {
        // the layer's own file: neither /etc nor the file may be a link (to the host's)
        if (!lstatSync(join(d, 'etc')).isDirectory()) continue;
        const fd = openSync(join(d, 'etc', file), constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          text = readFileSync(fd, 'utf8');
        } finally {
          closeSync(fd);
        }
      } catch {
        continue;
      }
      const row = text.split('\n').map((l) => l.split(':')).find((f) => f[0] === name);
      if (row && /^\d+$/.test(row[2] ?? '')) return Number(row[2]);
      break;
    }
    throw new TspodError(`--chown=${spec}: no ${file === 'passwd' ? 'user' : 'group'} "${name}" in the image's /etc/${file}`);
  };
  const uid = lookupId('passwd', u);
  return [uid, g === undefined ? uid : lookupId('group', g)];
}

/** RUN: a container on the step's image, confined as `tspod run`; its writable layer as a tar when it exits 0. */
async function runInContainer(store: Store, st: StageState, ins: Instruction, argv: string[], env: string[], o: StepContext): Promise<string> {
  if (!st.image) throw new TspodError(`building at STEP "${ins.text}": a stage FROM scratch has no files to run a command with: COPY a program in first`);
  const rec = await createContainer(store, {
    image: st.image.id.slice(7), command: argv, entrypoint: '', rm: false, interactive: false, tty: false,
    env, envFile: [], volumes: [], tmpfs: [], readOnly: false, network: o.network, init: false, storageOpts: [],
    detach: false, publish: [], publishAll: false, restart: 'no', capAdd: [], capDrop: [], privileged: false,
    securityOpt: [], preserveFds: 0, pull: 'never',
  });
  try {
    const code = await startAttached(store, rec, { tty: false, interactive: false });
    if (code !== 0) throw new TspodError(`building at STEP "${ins.text}": while running runtime: exit status ${code}`, 125);
    const tar = join(o.work, `run-${rec.id.slice(0, 12)}.tar`);
    await packUpperLayer((rec.plan as { upperDir: string }).upperDir, tar);
    return tar;
  } finally {
    await removeContainerFiles(store, rec.id);
  }
}

/** A tar archive, plain or compressed (gzip, bzip2, xz, zstd), by its first bytes. */
function isArchive(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false; // a directory or link: not an archive
  }
  try {
    const b = Buffer.alloc(512);
    const n = readSync(fd, b, 0, 512, 0);
    if (n >= 262 && b.subarray(257, 262).toString() === 'ustar') return true;
    return (b[0] === 0x1f && b[1] === 0x8b) || b.subarray(0, 3).toString() === 'BZh'
      || b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) || b.readUInt32LE(0) === 0xfd2fb528;
  } finally {
    closeSync(fd);
  }
}
