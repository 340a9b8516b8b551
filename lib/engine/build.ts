// `tspod build`: a Containerfile's stages, step by step. Each step becomes an
// (unnamed, intermediate) image: RUN in a container made by the run machinery,
// with tspod's rootless confinement, whose writable layer is committed only when
// it exits 0; COPY/ADD as a layer tar written from the context; the rest as
// config. A step whose parent, instruction, resulting config and content are
// unchanged reuses the cached image ("--> Using cache").
import { chmodSync, closeSync, constants, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonForm, parseContainerfile, type Instruction, type Stage } from '../build/dockerfile.js';
import { expandText, expandWord, keyValues, shellWords } from '../build/expand.js';
import type { CopyJob } from '../build/copy-worker.js';
import { ignoreMatcher, imageSources, type Ignore, layerLookup, parseChmod, resolveSources, writeCopyLayer, type Source } from '../build/context.js';
import { buildCacheDir, buildStepImageIds } from '../build/cache.js';
import { composeImage, defaultPath, readConfig, readManifest, storeLayer, writeImage, type ComposeOptions, type Config } from '../build/compose.js';
import { archiveKind, buildArgsFrom, parseBuildContexts, parseDuration, parseSecrets, prepareContext, readContainerfiles, trustCertDir, unpackArchive, type NamedContext } from '../build/inputs.js';
import { contentDigest as layerContentDigest, mergeLayers } from '../build/squash.js';
import { sha256 } from '../storage/blobs.js';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { localImageName } from '../image/resolve.js';
import { formatPlatform, hostPlatform, parsePlatform } from '../image/manifest.js';
import { extractLayer } from '../storage/extract.js';
import { packUpperLayer, removeAsRoot, runInUserns } from '../runtime/userns.js';
import { currentIdMappings } from '../runtime/idmap.js';
import { parseAnnotations, platformFromParts, type ResourceFlags } from '../spec/options.js';
import { errnoCode, TspodError } from '../util/errors.js';
import { openStore } from './store.js';
import { imageForRun, type PullOptions, type PullPolicy, type RegistryOptions } from './registry.js';
import { createContainer, defaultMounts, parseLabels, removeContainerFiles, startAttached, type RunOptions } from './run.js';

export interface BuildOptions {
  context: string;
  /** -f: Containerfiles (concatenated; `-` is stdin); none: Containerfile, then Dockerfile, in the context */
  files: string[];
  tags: string[];
  buildArgs: string[];
  buildArgFiles: string[];
  labels: string[];
  annotations: string[];
  env: string[];
  unsetenv: string[];
  noCache: boolean;
  layers: boolean;
  quiet: boolean;
  target?: string;
  network?: string;
  iidfile?: string;
  ignorefile?: string;
  stdin: boolean;
  pull?: string;
  squash: boolean;
  squashAll: boolean;
  format: string;
  from?: string;
  rm: boolean;
  forceRm: boolean;
  timestamp?: number;
  platforms: string[];
  arch?: string;
  os?: string;
  variant?: string;
  allPlatforms: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  volumes: string[];
  noHosts: boolean;
  addHost: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOption: string[];
  secrets: string[];
  jobs?: number;
  omitHistory: boolean;
  identityLabel: boolean;
  skipUnusedStages: boolean;
  logfile?: string;
  logsplit: boolean;
  retry?: number;
  retryDelay?: string;
  registry: RegistryOptions;
  certDir?: string;
  shmSize?: string;
  ulimit: string[];
  namespaces: Record<string, string | undefined>;
  resources: ResourceFlags;
  manifest?: string;
  output?: string;
  httpProxy: boolean;
  buildContexts: string[];
  cacheFrom?: string;
  cacheTo?: string;
  cacheTtl?: string;
  isolation?: string;
  osFeatures: string[];
  osVersion?: string;
  /** flags tspod refuses when given (the value, or undefined) */
  refused: Record<string, string | undefined>;
}

/** A build with podman's defaults for CONTEXT (what `tspod build CONTEXT` alone does), for the
 * engine's own callers (kube play --build); fields are then set over it. */
export function buildDefaults(context: string): BuildOptions {
  return {
    context, files: [], tags: [], buildArgs: [], buildArgFiles: [], labels: [], annotations: [], env: [], unsetenv: [],
    noCache: false, layers: true, quiet: false, stdin: false, squash: false, squashAll: false, format: 'oci', rm: true, forceRm: false,
    platforms: [], allPlatforms: false, capAdd: [], capDrop: [], securityOpt: [], volumes: [], noHosts: false, addHost: [], dns: [],
    dnsSearch: [], dnsOption: [], secrets: [], omitHistory: false, identityLabel: true, skipUnusedStages: true, logsplit: false,
    registry: {}, ulimit: [], namespaces: {}, resources: {}, httpProxy: true, buildContexts: [], osFeatures: [], refused: {},
  };
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

/** Docker's predefined ARGs: usable without an ARG line, never in the image's history. */
const proxyArgs = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

const refusals: Record<string, string> = {
  'cgroup-parent': 'tspod creates no cgroup for a build container on this host (as `tspod run --cgroup-parent`); drop the flag',
  'decryption-key': 'tspod has no encrypted-image support: decrypt the base image first',
  device: 'tspod run has no --device either: devices cannot be added to rootless build containers by tspod',
  'sign-by': 'tspod does not sign images (no GPG signing support); sign it with another tool after `tspod push`',
  ssh: 'tspod build does not forward SSH agents or keys; use --secret for a key file',
};

export async function build(o: BuildOptions, out: Report, err: Report): Promise<ImageRecord | undefined> {
  for (const [flag, v] of Object.entries(o.refused)) if (v !== undefined) throw new TspodError(`--${flag} ${v}: ${refusals[flag] ?? 'not supported by tspod build'}`);
  if (o.manifest !== undefined) throw new TspodError(`--manifest ${o.manifest}: tspod has no manifest lists (no \`tspod manifest\`); build with -t and push the image`);
  if (o.allPlatforms) throw new TspodError('--all-platforms: tspod builds for this host\'s platform only (no emulation of other architectures)');
  if (o.cacheFrom !== undefined || o.cacheTo !== undefined) throw new TspodError(`--cache-${o.cacheFrom !== undefined ? 'from' : 'to'}: tspod's build cache is local to the store (build-cache); remote cache repositories are not supported`);
  if (o.isolation !== undefined && !['oci', 'rootless'].includes(o.isolation)) throw new TspodError(`--isolation ${o.isolation}: tspod runs RUN steps in its rootless OCI-style container (oci or rootless); chroot isolation is not supported`);
  if (o.squash && o.squashAll) throw new TspodError('cannot specify --squash with --layers and --squash-all with --squash: give one of --squash (the new layers in one) and --squash-all (every layer in one)');
  if (o.format !== 'oci' && o.format !== 'docker') throw new TspodError(`unrecognized image type "${o.format}": use oci or docker`);
  checkNamespaces(o.namespaces);
  const { checkConfiguredRuntime, readContainersConf } = await import('../config/containers-conf.js');
  checkConfiguredRuntime(readContainersConf());
  if (o.registry.authfile !== undefined && !existsSync(o.registry.authfile)) throw new TspodError(`checking authfile: stat ${o.registry.authfile}: no such file or directory`);
  if (o.output !== undefined) parseOutput(o.output);
  const platform = checkPlatform(o);
  const format = o.format as 'oci' | 'docker';
  const created = o.timestamp !== undefined ? new Date(o.timestamp * 1000).toISOString().replace('.000Z', 'Z') : undefined;
  const co: ComposeOptions = { format, created };

  let logFd: number | undefined;
  // --logsplit without --logfile does nothing, as podman's
  if (o.logfile) logFd = openSync(o.logsplit ? `${o.logfile}_${platform.os}_${platform.architecture}` : o.logfile, 'w', 0o644);
  const outputToStdout = o.output !== undefined && (o.output === '-' || /(^|,)dest=-(,|$)/.test(o.output));
  const report: Report = logFd !== undefined ? (l) => writeSync(logFd!, `${l}\n`) : outputToStdout ? err : out;
  const warn: Report = logFd !== undefined ? (l) => writeSync(logFd!, `${l}\n`) : err;

  const store = openStore();
  mkdirSync(join(store.root, 'tmp'), { recursive: true });
  const work = mkdtempSync(join(store.root, 'tmp', 'build-'));
  /** with --layers=false: the step images this build made, removed at its end (podman keeps none) */
  const made: string[] = [];
  let kept: string | undefined;
  try {
    if (o.certDir !== undefined) trustCertDir(o.certDir, work);
    const { ctx, stdinContainerfile } = await prepareContext(o.context, work);
    const cf = readContainerfiles(o.files, ctx, stdinContainerfile);
    if (o.files.some((f) => f.endsWith('.in'))) throw new TspodError(`${o.files.find((f) => f.endsWith('.in'))}: a Containerfile.in is preprocessed with cpp by podman; tspod does not run cpp: preprocess it (cpp -E) and give the result with -f`);
    const syntax = /^#\s*syntax\s*=\s*(\S+)/m.exec(cf.text.split('\n').filter((l) => l.startsWith('#') || !l.trim()).join('\n'));
    if (syntax) warn(`WARN[0000] "# syntax=${syntax[1]}" is ignored: tspod reads the Containerfile itself, not through a BuildKit frontend`);
    const ignored = ignoreMatcher(ctx, o.ignorefile);
    const parsed = parseContainerfile(cf.text, cf.name);
    if (o.from !== undefined) {
      const first = parsed.stages[0]!;
      const as = first.name ? ` AS ${first.name}` : '';
      first.from = { ...first.from, args: `${o.from}${as}`, text: `FROM ${o.from}${as}` };
    }
    const buildArgs = buildArgsFrom(o.buildArgFiles, o.buildArgs);
    const secrets = parseSecrets(o.secrets, work);
    const contexts = parseBuildContexts(o.buildContexts);
    const cacheTtl = o.cacheTtl !== undefined ? parseDuration('--cache-ttl', o.cacheTtl) : undefined;
    const used = new Set<string>(proxyArgs);
    const predefined = platformArgs(platform);
    const globalArgs = new Map<string, string>();
    for (const ins of parsed.globalArgs) {
      for (const [k, v] of keyValues(ins.args, globalArgs, 'ARG')) {
        used.add(k);
        const val = buildArgs.get(k) ?? v ?? predefined.get(k);
        if (val !== undefined) globalArgs.set(k, val);
      }
    }
    let last = parsed.stages.length - 1;
    if (o.target !== undefined) {
      last = parsed.stages.findIndex((s) => s.name === o.target!.toLowerCase());
      if (last < 0) throw new TspodError(`The target "${o.target}" was not found in the provided Dockerfile: name a stage given with FROM ... AS NAME`);
    }
    const stages = parsed.stages.slice(0, last + 1);
    const needed = o.skipUnusedStages ? neededStages(stages, last, globalArgs) : new Set(stages.map((s) => s.index));
    const labels = parseLabels(o.labels);
    const pull: PullPolicy = o.pull === undefined || o.pull === 'missing' || o.pull === 'false' ? 'missing' : o.pull === 'true' || o.pull === 'always' ? 'always'
      : o.pull === 'never' || o.pull === 'newer' ? o.pull : (() => { throw new TspodError(`invalid --pull "${o.pull}": use always (true), missing (false), never or newer`); })();
    const pullOptions: PullOptions = { ...o.registry, platform: formatPlatform(platform) };
    const retryDelay = parseDuration('--retry-delay', o.retryDelay ?? '2s');
    const fetchImage = async (ref: string) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await imageForRun(store, ref, pull, pullOptions);
        } catch (e) {
          // a registry that fails (not a refusal from a local rule) is tried again, as podman's --retry
          const permanent = /--pull=never|not known|unauthorized|denied|login|manifest unknown|not found|invalid/i;
          if (attempt >= (o.retry ?? 3) || !(e instanceof TspodError) || permanent.test(e.message) || !/pull|registry|connect|fetch|timed out|EAI_AGAIN|ECONN/i.test(e.message)) throw e;
          warn(`WARN[0000] Failed, retrying in ${o.retryDelay ?? '2s'} ... (${attempt + 1}/${o.retry ?? 3}). Error: ${e.message}`);
          await new Promise((r) => setTimeout(r, retryDelay));
        }
      }
    };
    const env = { ...o, ctx, ignored, work, buildArgs, globalArgs, used, stages: parsed.stages, report, warn, secrets, contexts, cacheTtl, co, fetchImage, built: [] as ImageRecord[], bases: [] as Array<ImageRecord | undefined>, aborted: false, made };

    // Stages run in order, or --jobs N at a time when they do not depend on each other.
    const jobs = Math.max(1, o.jobs ?? 1);
    let running = 0;
    const waiting: Array<() => void> = [];
    // a freed slot goes straight to the next waiting stage
    const slot = async () => {
      if (running >= jobs) await new Promise<void>((r) => waiting.push(r));
      else running++;
    };
    const free = () => {
      const next = waiting.shift();
      if (next) next();
      else running--;
    };
    const done = new Map<number, Promise<ImageRecord>>();
    for (const stage of stages) {
      if (!needed.has(stage.index)) continue;
      const deps = [...stageDeps(stage, stages, globalArgs)].filter((d) => d !== stage.index);
      done.set(stage.index, (async () => {
        await Promise.all(deps.map((d) => done.get(d)));
        await slot();
        try {
          if (env.aborted) throw new TspodError('build aborted');
          const img = await buildStage(store, stage, stages.length, stage.index === last, labels, env);
          env.built[stage.index] = img;
          return img;
        } catch (e) {
          env.aborted = true;
          throw e;
        } finally {
          free();
        }
      })());
    }
    const results = await Promise.allSettled([...done.values()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof TspodError && r.reason.message === 'build aborted'));
    if (failed) throw failed.reason;
    let final = env.built[last]!;

    const unused = [...buildArgs.keys()].filter((k) => !used.has(k));
    if (unused.length) warn(`[Warning] one or more build args were not consumed: [${unused.join(' ')}]`);
    if (!o.layers) made.push(final.id);
    final = await finalize(store, final, env.bases[last], o, co, work);
    const names = o.tags.map(localImageName);
    if (names.length) {
      final = await store.locked(async () => {
        const rec = { ...final, names: [...new Set([...final.names, ...names])] };
        store.images.save(rec);
        return rec;
      });
      if (!o.quiet) for (const n of names) report(`Successfully tagged ${n}`);
    }
    if (o.output !== undefined) await exportOutput(store, final, o.output, work);
    if (o.iidfile) writeFileSync(o.iidfile, final.id);
    kept = final.id;
    return outputToStdout ? undefined : final;
  } finally {
    if (made.length) await removeStepImages(store, made, kept).catch((e: Error) => warn(`WARN[0000] removing the build's intermediate images: ${e.message}`));
    rmSync(work, { recursive: true, force: true });
    if (logFd !== undefined) closeSync(logFd);
  }
}

/** --layers=false: the step images a build made go, but the result, named images, and images the cache
 * index holds (another build's, when a step came out identical). */
async function removeStepImages(store: Store, made: string[], kept: string | undefined): Promise<void> {
  const cached = buildStepImageIds(store.root);
  const victims = [...new Set(made)].filter((id) => id !== kept && !cached.has(id) && !store.images.get(id)?.names.length);
  if (!victims.length) return;
  const { imageRemove } = await import('./images.js');
  await imageRemove(victims.map((id) => id.slice(7)), false, false, true);
}

function checkNamespaces(ns: Record<string, string | undefined>): void {
  for (const [flag, v] of Object.entries(ns)) {
    if (v === undefined || v === '') continue;
    if (flag.startsWith('userns-')) throw new TspodError(`--${flag} ${v}: tspod maps the build container's ids from /etc/subuid and /etc/subgid as \`tspod run\` does; other mappings are not supported`);
    const fine = flag === 'userns' ? ['container', 'private'] : ['private'];
    if (!fine.includes(v)) throw new TspodError(`--${flag} ${v}: tspod's build containers always get a private ${flag === 'userns' ? 'user' : flag.replace(/ns$/, '')} namespace (\`tspod run\` has no --${flag} either); drop the flag or give ${fine[0]}`);
  }
}

function checkPlatform(o: BuildOptions): ReturnType<typeof hostPlatform> {
  const host = hostPlatform();
  const list = o.platforms.length ? o.platforms : [undefined];
  for (const p of list) {
    const spec = platformFromParts({ platform: p, arch: o.arch, os: o.os, variant: o.variant }, host);
    if (spec === undefined) continue;
    const want = parsePlatform(spec.split('/').length === 1 ? `${spec}/${host.architecture}` : spec);
    if (want.os !== host.os || want.architecture !== host.architecture || (want.variant && host.variant && want.variant !== host.variant) || (want.variant && !host.variant)) {
      throw new TspodError(`--platform ${spec}: tspod builds for this host's platform (${formatPlatform(host)}) only; another architecture would need emulation (qemu-user-static), which tspod does not use`);
    }
  }
  return host;
}

/** BuildKit's automatic platform ARGs (values for `ARG TARGETARCH` and the like). */
function platformArgs(p: ReturnType<typeof hostPlatform>): Map<string, string> {
  const plat = formatPlatform(p);
  const m = new Map<string, string>();
  for (const pre of ['TARGET', 'BUILD']) {
    m.set(`${pre}PLATFORM`, plat);
    m.set(`${pre}OS`, p.os);
    m.set(`${pre}ARCH`, p.architecture);
    m.set(`${pre}VARIANT`, p.variant ?? '');
  }
  return m;
}

/** The stages STAGE reads from: its FROM, COPY --from, RUN --mount from=. */
function stageDeps(stage: Stage, stages: Stage[], globalArgs: Map<string, string>): Set<number> {
  const find = (ref: string) => stages.findIndex((s) => s.index < stage.index && (s.name === ref.toLowerCase() || String(s.index) === ref));
  const out = new Set<number>();
  const add = (ref: string | undefined) => {
    if (ref === undefined) return;
    let r = ref;
    try {
      r = expandWord(ref, globalArgs);
    } catch { /* as written */ }
    const i = find(r);
    if (i >= 0) out.add(i);
  };
  add(stage.from.args.split(/\s+/)[0]);
  for (const ins of stage.steps) {
    add(ins.flags.from);
    for (const [k, v] of ins.flagList) if (k === 'mount') add(/(?:^|,)from=([^,]+)/.exec(v)?.[1]);
  }
  return out;
}

function neededStages(stages: Stage[], last: number, globalArgs: Map<string, string>): Set<number> {
  const need = new Set<number>();
  const visit = (i: number) => {
    if (need.has(i)) return;
    need.add(i);
    for (const d of stageDeps(stages[i]!, stages, globalArgs)) visit(d);
  };
  visit(last);
  return need;
}

interface StepContext extends Omit<BuildOptions, 'buildArgs' | 'secrets' | 'cacheTtl'> {
  ctx: string;
  ignored: Ignore;
  /** ARGs before the first FROM, whose defaults an `ARG NAME` in a stage takes */
  globalArgs: Map<string, string>;
  work: string;
  buildArgs: Map<string, string>;
  used: Set<string>;
  built: ImageRecord[];
  /** each stage's FROM image (the base --squash keeps) */
  bases: Array<ImageRecord | undefined>;
  stages: Stage[];
  report: Report;
  warn: Report;
  secrets: Map<string, string>;
  contexts: Map<string, NamedContext>;
  cacheTtl?: number;
  co: ComposeOptions;
  fetchImage: (ref: string) => Promise<ImageRecord>;
  aborted: boolean;
  made: string[];
}

async function buildStage(store: Store, stage: Stage, stageCount: number, isFinal: boolean, labels: Record<string, string>, o: StepContext): Promise<ImageRecord> {
  const prefix = stageCount > 1 ? `[${stage.index + 1}/${stageCount}] ` : '';
  const total = stage.steps.length + 1;
  const step = (n: number, ins: Instruction) => { if (!o.quiet) o.report(`${prefix}STEP ${n}/${total}: ${ins.text}`); };
  step(1, stage.from);
  const st = await fromStage(store, stage, o);
  o.bases[stage.index] = st.image;
  if (isFinal && Object.keys(labels).length) st.config = { ...st.config, Labels: { ...(st.config.Labels ?? {}), ...labels } };
  if (isFinal && o.env.length) {
    for (const e of o.env) {
      const eq = e.indexOf('=');
      const [k, v] = eq < 0 ? [e, process.env[e]] : [e.slice(0, eq), e.slice(eq + 1)];
      if (!k) throw new TspodError(`--env "${e}": expected NAME=VALUE`);
      if (v !== undefined) st.config = { ...st.config, Env: setEnv(st.config.Env ?? [], k, v) };
    }
  }
  const base = st.image;
  const run = async (ins: Instruction, lastStep: boolean) => {
    try {
      await runStep(store, st, ins, o);
    } catch (err) {
      // podman's form: which step, then why
      if (err instanceof TspodError && !err.message.startsWith('building at STEP')) throw new TspodError(`building at STEP "${ins.text}": ${err.message}`, err.exitCode);
      throw err;
    }
    if (lastStep && !o.quiet) o.report(`COMMIT ${o.tags[0] ?? ''}`.trimEnd());
    if (!o.quiet) o.report(`--> ${short(st.image!.id)}`);
  };
  // ONBUILD triggers of the base image run first, as Docker's (and are not inherited further)
  const triggers = st.config.OnBuild ?? [];
  if (triggers.length) {
    st.config = { ...st.config, OnBuild: null };
    for (const t of triggers) {
      const trig = parseContainerfile(`FROM scratch\n${t}`, 'ONBUILD').stages[0]!.steps[0]!;
      if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(trig.keyword)) throw new TspodError(`${trig.keyword} isn't allowed as an ONBUILD trigger`);
      if (!o.quiet) o.report(`${prefix}--> Executing onbuild trigger: ${t}`);
      await run(trig, false);
    }
  }
  for (const [i, ins] of stage.steps.entries()) {
    if (o.aborted) throw new TspodError('build aborted');
    step(i + 2, ins);
    await run(ins, isFinal && i === stage.steps.length - 1);
  }
  if (st.image === base || st.image === undefined) {
    // A stage of FROM alone (or --label on it): its own image, so that it can be named.
    if (isFinal && !o.quiet) o.report(`COMMIT ${o.tags[0] ?? ''}`.trimEnd());
    st.image = await composeImage(store, base, undefined, st.config, `/bin/sh -c #(nop) FROM ${stage.from.args}`, [], undefined, o.co);
    if (!o.layers) o.made.push(st.image.id);
    if (isFinal && !o.quiet) o.report(`--> ${short(st.image.id)}`);
  }
  return st.image;
}

async function fromStage(store: Store, stage: Stage, o: StepContext): Promise<StageState> {
  const ref = expandWord(stage.from.args.split(/\s+/)[0]!, o.globalArgs);
  const plat = stage.from.flags.platform;
  if (plat !== undefined) {
    const want = expandWord(plat, new Map([...platformArgs(hostPlatform()), ...o.globalArgs]));
    if (want !== formatPlatform(hostPlatform()) && want !== `${hostPlatform().os}/${hostPlatform().architecture}`) {
      throw new TspodError(`FROM --platform=${want}: tspod builds for this host's platform (${formatPlatform(hostPlatform())}) only`);
    }
  }
  const earlier = o.stages.findIndex((s) => s.index < stage.index && (s.name === ref.toLowerCase() || String(s.index) === ref));
  let image: ImageRecord | undefined;
  if (earlier >= 0) image = o.built[earlier];
  else if (o.contexts.has(ref.toLowerCase()) && 'image' in o.contexts.get(ref.toLowerCase())!) image = await o.fetchImage((o.contexts.get(ref.toLowerCase()) as { image: string }).image);
  else if (ref !== 'scratch') {
    try {
      image = await o.fetchImage(ref);
    } catch (err) {
      if (err instanceof TspodError) throw new TspodError(`creating build container: ${err.message}`, err.exitCode);
      throw err;
    }
  }
  const config: Config = image ? { ...(readConfig(store, image).config ?? {}) } : {};
  if (!(config.Env ?? []).some((e) => e.startsWith('PATH='))) config.Env = [defaultPath, ...(config.Env ?? [])];
  return { image, config, args: new Map(), fromName: image?.names[0] ?? (earlier >= 0 ? undefined : ref) };
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

const copyWorker = fileURLToPath(new URL('../build/copy-worker.js', import.meta.url));

/** Write the layer of a COPY --from=STAGE|IMAGE as root of the user namespace (build/copy-worker.ts),
 * where every file of the image's layers can be read and keeps the owner the container sees;
 * returns what the first source is ("file" or "dir"). */
async function copyFromImage(job: CopyJob): Promise<string> {
  // First as you, with the owners mapped as the user namespace maps them (no process to start); a file
  // or directory only the namespace's root can read sends the copy into the namespace.
  try {
    const m = currentIdMappings();
    // the user as 0, the subordinate ranges one after another from 1; anything else is the overflow id
    const map = (h: number, own: number, ranges: Array<{ start: number; count: number }>) => {
      if (h === own) return 0;
      let next = 1;
      for (const r of ranges) {
        if (h >= r.start && h < r.start + r.count) return next + h - r.start;
        next += r.count;
      }
      return 65534;
    };
    const sources = [...imageSources(job.imageDirs, job.srcs, job.what), ...job.extra];
    const fd = openSync(job.out, 'w', 0o600);
    try {
      writeCopyLayer(fd, sources, job.dest, { ...job.opts, mapOwner: (u, g) => [map(u, m.uid, m.subuids), map(g, m.gid, m.subgids)] }, layerLookup(job.destDirs));
    } finally {
      closeSync(fd);
    }
    return sources.length === 1 && !lstatSync(sources[0]!.hosts[0]!).isDirectory() ? 'file' : 'dir';
  } catch (err) {
    if (!['EACCES', 'EPERM'].includes(errnoCode(err) ?? '')) throw err;
  }
  const jobFile = `${job.out}.job.json`;
  writeFileSync(jobFile, JSON.stringify(job), { mode: 0o600 });
  try {
    // `--`: Node reads no option from the worker's arguments
    const r = await runInUserns([process.execPath, '--', copyWorker, jobFile]);
    if (r.exitCode !== 0) throw new TspodError(r.stderr.trim() || `COPY --from=${job.what}: the copy failed (exit ${r.exitCode})`);
    return readFileSync(`${job.out}.kind`, 'utf8');
  } finally {
    rmSync(jobFile, { force: true });
    rmSync(`${job.out}.kind`, { force: true });
  }
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

function commandForm(args: string, shell: string[]): string[] {
  return jsonForm(args) ?? [...shell, args];
}

/** A Go-style duration of HEALTHCHECK's flags in nanoseconds. */
function durationNs(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const units: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/gy;
  let m: RegExpExecArray | null, end = 0;
  while ((m = re.exec(v))) {
    total += Number(m[1]) * units[m[2]!]!;
    end = re.lastIndex;
  }
  if (!v || end !== v.length) throw new TspodError(`HEALTHCHECK --${flag}=${v}: use a duration such as 30s or 1m`);
  return Math.round(total);
}

const heredocOnly = /^<<-?(["']?)[A-Za-z_][A-Za-z0-9_]*\1$/;

async function runStep(store: Store, st: StageState, ins: Instruction, o: StepContext): Promise<void> {
  const v = vars(st);
  const c: Config = { ...st.config };
  const docker = o.format === 'docker';
  const shell = docker && c.Shell?.length ? c.Shell : ['/bin/sh', '-c'];
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
        const val = o.buildArgs.get(k) ?? def ?? o.globalArgs.get(k) ?? platformArgs(hostPlatform()).get(k);
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
    case 'CMD': c.Cmd = commandForm(ins.args, shell); st.cmdSet = true; break;
    case 'ENTRYPOINT':
      c.Entrypoint = commandForm(ins.args, shell);
      if (!st.cmdSet) delete c.Cmd; // the base image's Cmd goes with a new ENTRYPOINT, as Docker
      break;
    // podman's default --format oci has no field for these: the step is kept in the history, its effect dropped
    // (SHELL does not change how RUN runs either, as podman's). --format docker keeps them.
    case 'HEALTHCHECK': {
      if (!docker) {
        o.warn('WARN[0000] HEALTHCHECK is not supported for OCI image format and will be ignored. Must use `docker` format');
        break;
      }
      const m = /^(NONE|CMD)\b\s*([\s\S]*)$/i.exec(ins.args);
      if (!m) throw new TspodError(`HEALTHCHECK ${ins.args}: expected HEALTHCHECK [OPTIONS] CMD command, or HEALTHCHECK NONE`);
      if (m[1]!.toUpperCase() === 'NONE') c.Healthcheck = { Test: ['NONE'] };
      else {
        const exec = jsonForm(m[2]!);
        const retries = ins.flags.retries !== undefined ? Number(ins.flags.retries) : undefined;
        if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) throw new TspodError(`HEALTHCHECK --retries=${ins.flags.retries}: give a whole number`);
        c.Healthcheck = {
          Test: exec ? ['CMD', ...exec] : ['CMD-SHELL', m[2]!],
          ...(ins.flags.interval !== undefined ? { Interval: durationNs('interval', ins.flags.interval) } : {}),
          ...(ins.flags.timeout !== undefined ? { Timeout: durationNs('timeout', ins.flags.timeout) } : {}),
          ...(ins.flags['start-period'] !== undefined ? { StartPeriod: durationNs('start-period', ins.flags['start-period']) } : {}),
          ...(retries !== undefined ? { Retries: retries } : {}),
        };
      }
      break;
    }
    case 'SHELL': {
      const sh = jsonForm(ins.args);
      if (!sh?.length) throw new TspodError(`SHELL requires the arguments to be in JSON form: SHELL ["executable", "parameters"]`);
      if (!docker) o.warn(`WARN[0000] SHELL is not supported for OCI image format, [${sh.join(' ')}] will be ignored. Must use \`docker\` format`);
      else c.Shell = sh;
      break;
    }
    case 'ONBUILD':
      if (!docker) o.warn(`WARN[0000] ONBUILD is not supported for OCI image format, ${ins.args} will be ignored. Must use \`docker\` format`);
      else c.OnBuild = [...(c.OnBuild ?? []), ins.args];
      break;
    case 'RUN': {
      // --runtime-flag (global or build's, applyGlobalOptions): the step's runtime answers them, as
      // buildah's runc fails the first RUN (exit 1); runc's harmless globals pass
      const { runtimeFlagRefusal, ignoredRuntimeFlags } = await import('../spec/runtime-flags.js');
      for (const flag of JSON.parse(process.env.TSPOD_BUILD_RUNTIME_FLAGS ?? '[]') as string[]) {
        const why = runtimeFlagRefusal(flag);
        if (why) throw new TspodError(`OCI runtime error: tspod-launch: ${why}\ntspod's runtime, tspod-launch, takes no global flags of its own: it accepts and ignores runc's ${ignoredRuntimeFlags.join(', ')}; drop --runtime-flag ${flag}`, 1);
      }
      if (ins.heredocs.length && heredocOnly.test(ins.args.trim())) {
        const body = ins.heredocs[0]!.body;
        // a `#!` script runs with its own interpreter: written to a temporary file in the container first
        const end = `TSPOD_SCRIPT_${sha256(body).slice(7, 19)}`;
        run = body.startsWith('#!')
          ? [...shell, `f=$(mktemp) && cat > "$f" <<'${end}' && chmod 700 "$f" && { "$f"; rc=$?; rm -f "$f"; exit $rc; }\n${body}${end}`]
          : [...shell, body];
      }
      else if (ins.heredocs.length) run = [...shell, `${ins.args}\n${ins.heredocs.map((h) => h.raw).join('\n')}`];
      else run = commandForm(ins.args, shell);
      // podman's form: the build args the step sees first ("|N K=V ...")
      const cmdText = jsonForm(ins.args) ? run.join(' ') : `${shell.join(' ')} ${ins.args}`;
      createdBy = `${st.args.size ? `|${st.args.size} ${[...st.args].map(([k, val]) => `${k}=${val}`).join(' ')} ` : ''}${cmdText}`;
      break;
    }
    case 'COPY': case 'ADD': {
      const words = jsonForm(ins.args) ?? shellWords(ins.args, v);
      const docs = ins.heredocs;
      if (words.length < 2 && !(docs.length && words.length >= 2 - docs.length)) throw new TspodError(`${ins.keyword} requires at least two arguments: ${ins.keyword} SOURCE... DEST`);
      const destWord = words.at(-1)!;
      const dest = posix.resolve(c.WorkingDir || '/', destWord) + (destWord.endsWith('/') || destWord === '.' ? '/' : '');
      const srcs = words.slice(0, -1).filter((w) => !heredocOnly.test(w));
      let sources: Source[] = [];
      /** COPY --from=STAGE|IMAGE: that image's layer directories, read inside the user namespace (below) */
      let fromImage: { dirs: string[]; what: string } | undefined;
      const from = ins.flags.from;
      const urls = srcs.filter((s) => /^https?:\/\//.test(s));
      if (urls.length && ins.keyword === 'COPY') throw new TspodError(`COPY ${urls[0]}: source can't be a URL for COPY; use ADD`);
      if (from !== undefined) {
        const fromRef = expandWord(from, v);
        const named = o.contexts.get(fromRef.toLowerCase());
        if (named && 'dir' in named) sources = resolveSources(named.dir, srcs);
        else {
          const idx = o.stages.findIndex((s) => s.name === fromRef.toLowerCase() || String(s.index) === fromRef);
          const img = idx >= 0 ? o.built[idx] : await o.fetchImage(named ? named.image : fromRef);
          if (!img) throw new TspodError(`COPY --from=${fromRef}: stage ${fromRef} is not built before this one`);
          fromImage = { dirs: diffDirs(store, img), what: fromRef };
        }
      } else {
        const local = srcs.filter((s) => !/^https?:\/\//.test(s));
        if (local.length) sources = resolveSources(o.ctx, local, o.ignored);
        const intoDir = destWord.endsWith('/') || destWord === '.' || layerLookup(diffDirs(store, st.image))(dest) === 'dir' || srcs.length > 1;
        for (const u of urls) sources.push(await download(u, intoDir ? undefined : destWord, o.work));
      }
      // here-documents: files named by their word, with the build's variables unless the word is quoted
      docs.forEach((h, i) => {
        const dir = join(o.work, `heredoc-${++layerCount}-${i}`);
        mkdirSync(dir);
        writeFileSync(join(dir, h.name), h.expand ? expandText(h.body, v) : h.body, { mode: 0o644 });
        sources.push({ hosts: [join(dir, h.name)], name: h.name });
      });
      if (ins.keyword === 'ADD' && from === undefined) {
        // a local tar archive is unpacked into the destination, as podman's ADD
        sources = await Promise.all(sources.map(async (s) => {
          if (!s.inContext || !archiveKind(s.hosts[0]!) || lstatSync(s.hosts[0]!).isDirectory()) return s;
          const dir = join(o.work, `add-${++layerCount}`);
          await unpackArchive(s.hosts[0]!, dir, `ADD ${s.name}`);
          return { hosts: [dir], name: s.name };
        }));
      }
      const [uid, gid] = ins.flags.chown ? owner(store, st.image, expandWord(ins.flags.chown, v)) : [0, 0];
      const mode = ins.flags.chmod ? parseChmod(ins.flags.chmod) : undefined;
      layer = join(o.work, `layer-${++layerCount}.tar`);
      let kind: string;
      if (fromImage) {
        kind = await copyFromImage({ imageDirs: fromImage.dirs, srcs, what: fromImage.what, extra: sources, dest,
          opts: { uid, gid, mode, preserveOwners: !ins.flags.chown }, destDirs: diffDirs(store, st.image), out: layer });
      } else {
        const fd = openSync(layer, 'w', 0o600);
        try {
          writeCopyLayer(fd, sources, dest, { uid, gid, mode }, layerLookup(diffDirs(store, st.image)));
        } finally {
          closeSync(fd);
        }
        kind = sources.length === 1 && !lstatSync(sources[0]!.hosts[0]!).isDirectory() ? 'file' : 'dir';
      }
      contentDigest = layerContentDigest(layer);
      createdBy = `/bin/sh -c #(nop) ${ins.keyword} ${contentDigest.replace('sha256:', `${kind}:`)} in ${destWord} `;
      break;
    }
    default:
      throw new TspodError(`building at STEP "${ins.text}": unknown instruction: ${ins.keyword}`);
  }
  st.config = c;
  const runEnv = [...st.args].map(([k, val]) => `${k}=${val}`).filter((e) => !(c.Env ?? []).some((x) => x.split('=')[0] === e.split('=')[0]));
  // build args of the predefined proxy names reach RUN without an ARG line, and are not part of the cache key
  const proxyEnv = proxyArgs.filter((k) => !st.args.has(k) && (o.buildArgs.has(k) || (o.httpProxy && process.env[k] !== undefined)))
    .map((k) => `${k}=${o.buildArgs.get(k) ?? process.env[k]}`);
  const key = sha256(JSON.stringify([st.image?.id ?? 'scratch', ins.text, c, contentDigest, run ? runEnv : [], o.format, o.co.created ?? '']));
  const cacheFile = join(buildCacheDir(store.root), key.slice(7));
  if (!o.noCache) {
    let hit = existsSync(cacheFile) ? store.images.get(readFileSync(cacheFile, 'utf8').trim()) : undefined;
    if (hit && o.cacheTtl !== undefined && Date.now() - Date.parse(hit.created) > o.cacheTtl) hit = undefined;
    if (hit) {
      if (!o.quiet) o.report(`--> Using cache ${hit.id.slice(7)}`);
      st.image = hit;
      if (layer) rmSync(layer, { force: true });
      return;
    }
  }
  if (run) layer = await runInContainer(store, st, ins, run, [...runEnv, ...proxyEnv], o);
  if (layer && o.co.created) {
    // --timestamp: every file of the step's layer gets that time too, as podman's
    const stamped = `${layer}.stamped`;
    const fd = openSync(stamped, 'w', 0o600);
    try {
      mergeLayers([layer], fd, true, new Date(o.co.created));
    } finally {
      closeSync(fd);
    }
    rmSync(layer, { force: true });
    layer = stamped;
  }
  const img = await composeImage(store, st.image, layer, c, createdBy, [], `FROM ${st.image ? (st.fromName ?? st.image.id.slice(7, 19)) : 'scratch'}`, o.co);
  st.fromName = undefined;
  if (layer) rmSync(layer, { force: true });
  if (o.layers) {
    mkdirSync(buildCacheDir(store.root), { recursive: true });
    writeFileSync(cacheFile, img.id);
  } else o.made.push(img.id);
  st.image = img;
}

/** ADD URL: the file downloaded (mode 0600, as Docker's), named after the URL's last part, or DESTNAME (a file destination). */
async function download(url: string, destName: string | undefined, work: string): Promise<Source> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw new TspodError(`ADD ${url}: cannot download it: ${(err as Error).message}${(err as { cause?: Error }).cause ? `: ${(err as { cause: Error }).cause.message}` : ''}`);
  }
  if (!res.ok) throw new TspodError(`ADD ${url}: invalid response status ${res.status}`);
  const plain = (n: string) => (n && n !== '.' && n !== '..' ? n : undefined);
  const fromUrl = plain(posix.basename(new URL(url).pathname)) ?? 'index.html';
  const name = destName === undefined ? fromUrl : plain(posix.basename(destName)) ?? fromUrl;
  const dir = join(work, `url-${++layerCount}`);
  mkdirSync(dir);
  const file = join(dir, name);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()), { mode: 0o600 });
  return { hosts: [file], name };
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

interface RunMounts {
  mount: string[];
  tmpfs: string[];
  /** the mount targets (the empty mount points tspod-launch makes are not part of the layer) */
  targets: string[];
}

/** RUN --mount=type=cache|bind|tmpfs|secret,... as the mounts of the step's container. */
async function runMounts(store: Store, ins: Instruction, st: StageState, o: StepContext): Promise<RunMounts> {
  const out: RunMounts = { mount: [], tmpfs: [], targets: [] };
  for (const [flag, spec] of ins.flagList) {
    if (flag !== 'mount') continue;
    const kv = new Map<string, string>();
    for (const p of spec.split(',')) {
      const eq = p.indexOf('=');
      const value = eq < 0 ? 'true' : expandWord(p.slice(eq + 1), vars(st));
      // A variable (an ARG, or ENV from a base image) must not add options of its own: the mount
      // is passed on as KEY=VALUE,... text, where a comma would start a new option (source=/etc).
      if (/[,\n]/.test(value)) throw new TspodError(`--mount=${spec}: the value of ${eq < 0 ? p : p.slice(0, eq)} expands to "${value}", which holds a comma or a newline; a mount option's value cannot`);
      kv.set((eq < 0 ? p : p.slice(0, eq)).toLowerCase(), value);
    }
    const type = kv.get('type') ?? 'bind';
    const target0 = kv.get('target') ?? kv.get('dst') ?? kv.get('destination');
    const ro = kv.get('ro') === 'true' || kv.get('readonly') === 'true';
    const at = (t: string | undefined) => {
      if (!t) throw new TspodError(`--mount=${spec}: target= is required`);
      return posix.resolve(st.config.WorkingDir || '/', t);
    };
    switch (type) {
      case 'cache': {
        const target = at(target0);
        if (kv.has('from')) throw new TspodError(`--mount=${spec}: a cache mount from another image or stage is not supported by tspod`);
        // one directory per id (default: the target) in the store, kept between builds
        const dir = join(store.root, 'build-cache-mounts', sha256(kv.get('id') ?? target).slice(7, 39));
        if (!existsSync(dir)) {
          // made on first use with the mount's mode, uid and gid (as the container sees them), as BuildKit's
          const mode = kv.has('mode') ? parseChmod(kv.get('mode')!) : 0o755;
          const uid = kv.get('uid') ?? '0', gid = kv.get('gid') ?? '0';
          if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid)) throw new TspodError(`--mount=${spec}: uid= and gid= take numbers`);
          const fresh = `${dir}.new-${process.pid}`;
          mkdirSync(fresh, { recursive: true });
          chmodSync(fresh, mode);
          if (uid !== '0' || gid !== '0') {
            const r = await runInUserns(['chown', '--', `${uid}:${gid}`, fresh]);
            if (r.exitCode !== 0) throw new TspodError(`--mount=${spec}: cannot give the cache directory to ${uid}:${gid}: ${r.stderr.trim()}`);
          }
          try {
            renameSync(fresh, dir);
          } catch {
            await removeAsRoot([fresh]); // another build made it meanwhile
          }
        }
        out.mount.push(`type=bind,source=${dir},destination=${target}${ro ? ',ro' : ''}`);
        out.targets.push(target);
        break;
      }
      case 'bind': {
        const target = at(target0);
        const source = kv.get('source') ?? kv.get('src') ?? '.';
        const from = kv.get('from');
        let host: string;
        const named = from !== undefined ? o.contexts.get(from.toLowerCase()) : undefined;
        if (from === undefined || (named && 'dir' in named)) {
          const s = resolveSources(named && 'dir' in named ? named.dir : o.ctx, [source], from === undefined ? o.ignored : undefined)[0]!;
          host = s.hosts[0]!;
        } else {
          // a stage or image: its files at SOURCE copied out of the layers (nothing read outside them)
          const idx = o.stages.findIndex((s) => s.name === from.toLowerCase() || String(s.index) === from);
          const img = idx >= 0 ? o.built[idx] : await o.fetchImage(named && 'image' in named ? named.image : from);
          if (!img) throw new TspodError(`--mount=${spec}: stage ${from} is not built before this one`);
          // read inside the user namespace, as COPY --from (files only its root can read)
          const tar = join(o.work, `mount-${++layerCount}.tar`);
          const kind = await copyFromImage({ imageDirs: diffDirs(store, img), srcs: [source], what: from, extra: [], dest: '/',
            opts: { uid: 0, gid: 0 }, destDirs: [], out: tar });
          const dir = join(o.work, `mount-${layerCount}`);
          mkdirSync(dir);
          await extractLayer(tar, dir);
          host = kind === 'dir' ? dir : join(dir, posix.basename(posix.normalize('/' + source)) || '.');
          // What the layers hold at SOURCE is bound as it is on the host: a symbolic link there
          // (`ln -s / /h` in a stage, or in a hostile image) would be followed by the mount, out
          // of the copy and onto the host's own files.
          if (lstatSync(host).isSymbolicLink() || !realpathSync(host).startsWith(realpathSync(dir))) {
            throw new TspodError(`--mount=${spec}: ${source} in ${from} is a symbolic link: a bind mount takes a file or a directory (name the path it points to)`);
          }
        }
        if (lstatSync(host).isSymbolicLink()) {
          throw new TspodError(`--mount=${spec}: ${source} is a symbolic link: a bind mount takes a file or a directory (name the path it points to)`);
        }
        const rw = kv.get('rw') === 'true' || kv.get('readwrite') === 'true';
        if (rw) {
          // writes are discarded after the step, as Docker's: a copy is mounted
          const copy = join(o.work, `mount-rw-${++layerCount}`);
          cpSync(host, copy, { recursive: true, verbatimSymlinks: true });
          host = copy;
        }
        out.mount.push(`type=bind,source=${host},destination=${target}${rw ? '' : ',ro'}`);
        out.targets.push(target);
        break;
      }
      case 'tmpfs': {
        const target = at(target0);
        const size = kv.get('size') ?? kv.get('tmpfs-size');
        out.tmpfs.push(size ? `${target}:size=${size}` : target);
        out.targets.push(target);
        break;
      }
      case 'secret': {
        const id = kv.get('id') ?? (target0 ? posix.basename(target0) : undefined);
        if (!id) throw new TspodError(`--mount=${spec}: a secret mount needs id= (the --secret id)`);
        const file = o.secrets.get(id);
        if (!file) {
          if (kv.get('required') === 'true') throw new TspodError(`--mount=${spec}: secret "${id}" was not given: add --secret id=${id},src=FILE`);
          break;
        }
        const target = at(target0 ?? `/run/secrets/${id}`);
        out.mount.push(`type=bind,source=${file},destination=${target},ro`);
        out.targets.push(target);
        break;
      }
      case 'ssh':
        throw new TspodError(`--mount=${spec}: tspod build does not forward SSH agents or keys; use a secret mount for a key file`);
      default:
        throw new TspodError(`--mount=${spec}: unknown mount type "${type}" (bind, cache, tmpfs or secret)`);
    }
  }
  return out;
}

/** Remove from UPPER the empty mount point TARGET (and parents) tspod-launch made, when the image lacked
 * them: never through a symbolic link the step may have made. */
function dropMountPoint(upper: string, target: string, inImage: (p: string) => unknown): void {
  const parts = target.split('/').filter(Boolean);
  for (let n = parts.length; n > 0; n--) {
    const rel = parts.slice(0, n).join('/');
    if (inImage(`/${rel}`) !== undefined) return;
    let p = upper;
    for (let i = 0; i < n - 1; i++) {
      p = join(p, parts[i]!);
      const s = lstatSync(p, { throwIfNoEntry: false });
      if (!s?.isDirectory()) return;
    }
    const parent = p;
    p = join(p, parts[n - 1]!);
    const s = lstatSync(p, { throwIfNoEntry: false });
    if (!s) continue;
    // the writable layer's root takes the image's / mode, which may be 555: writable for the moment
    const ps = n === 1 ? statSync(parent) : undefined;
    if (ps && !(ps.mode & 0o200)) chmodSync(parent, (ps.mode & 0o7777) | 0o200);
    try {
      if (s.isDirectory() && readdirSync(p).length === 0) rmdirSync(p);
      else if (s.isFile() && s.size === 0) unlinkSync(p);
      else return;
    } catch {
      return;
    } finally {
      if (ps && !(ps.mode & 0o200)) chmodSync(parent, ps.mode & 0o7777);
    }
  }
}

/** RUN: a container on the step's image, confined as `tspod run`; its writable layer as a tar when it exits 0. */
async function runInContainer(store: Store, st: StageState, ins: Instruction, argv: string[], env: string[], o: StepContext): Promise<string> {
  if (!st.image) throw new TspodError(`building at STEP "${ins.text}": a stage FROM scratch has no files to run a command with: COPY a program in first`);
  const mounts = await runMounts(store, ins, st, o);
  const network = ins.flags.network !== undefined ? ins.flags.network : o.network;
  if (network !== undefined && !['', 'default', 'none', 'host', 'private', 'slirp4netns'].includes(network) && !network.startsWith('slirp4netns:')) {
    if (ins.flags.network !== undefined) throw new TspodError(`RUN --network=${network}: use default, none or host`);
  }
  const opts: RunOptions = {
    image: st.image.id.slice(7), command: argv, entrypoint: '', rm: false, interactive: o.stdin, tty: false,
    env, envFile: [], volumes: o.volumes, tmpfs: mounts.tmpfs, mount: mounts.mount, readOnly: false,
    network: !network || network === 'default' || network === 'private' ? 'slirp4netns' : network, init: false, storageOpts: [],
    detach: false, publish: [], publishAll: false, restart: 'no', capAdd: o.capAdd, capDrop: o.capDrop, privileged: false,
    securityOpt: o.securityOpt, preserveFds: 0, pull: 'never', imageVolume: 'ignore',
    addHost: o.addHost, dns: o.dns, dnsSearch: o.dnsSearch, dnsOption: o.dnsOption, noHosts: o.noHosts,
    ulimit: o.ulimit, shmSize: o.shmSize, resources: Object.values(o.resources).some((x) => x !== undefined) ? o.resources : undefined,
  };
  const rec = await createContainer(store, opts);
  let keep = false;
  try {
    const code = await startAttached(store, rec, { tty: false, interactive: o.stdin });
    if (code !== 0) {
      keep = !o.forceRm;
      // tspod exits with the step's own status, as podman does
      throw new TspodError(`building at STEP "${ins.text}": while running runtime: exit status ${code}`, code > 0 && code < 256 ? code : 125);
    }
    const upper = (rec.plan as { upperDir: string }).upperDir;
    const inImage = layerLookup(diffDirs(store, st.image));
    // -v DIR:DEST: its mount point too (DEST is the second part)
    // and those of the default mounts (mounts.conf)
    const volumeTargets = [...o.volumes.map((v) => v.split(':')[1]), ...defaultMounts().map((d) => d.destination)].filter((t): t is string => !!t && t.startsWith('/'));
    for (const t of [...mounts.targets, ...volumeTargets]) dropMountPoint(upper, posix.normalize(t), inImage);
    const tar = join(o.work, `run-${rec.id.slice(0, 12)}.tar`);
    await packUpperLayer(upper, tar);
    keep = !o.rm;
    return tar;
  } finally {
    if (!keep) await removeContainerFiles(store, rec.id);
  }
}

/** The flags that change the final image: --unsetenv, --annotation, --omit-history, --squash(-all),
 * --os-version, --os-feature. Without them the last step's image is the result (and cached). */
async function finalize(store: Store, img: ImageRecord, base: ImageRecord | undefined, o: BuildOptions, co: ComposeOptions, work: string): Promise<ImageRecord> {
  const annotations = parseAnnotations(o.annotations);
  if (!o.unsetenv.length && !Object.keys(annotations).length && !o.omitHistory && !o.squash && !o.squashAll && !o.osFeatures.length && o.osVersion === undefined) return img;
  const cfg = readConfig(store, img) as ImageConfig & { 'os.version'?: string; 'os.features'?: string[] };
  const config: Config = { ...(cfg.config ?? {}) };
  if (o.unsetenv.length) config.Env = (config.Env ?? []).filter((e) => !o.unsetenv.includes(e.split('=')[0]!));
  let layers = readManifest(store, img).layers;
  let history = cfg.history ?? [];
  let diffIds = cfg.rootfs.diff_ids;
  if (o.squash || o.squashAll) {
    const keep = o.squashAll ? 0 : (base?.layerBlobs.length ?? 0);
    const blobs = layers.slice(keep).map((l) => store.blobs.path(l.digest));
    const kept = layers.slice(0, keep);
    const baseHistory = o.squashAll ? [] : history.slice(0, base ? (readConfig(store, base).history ?? []).length : 0);
    const created = co.created ?? new Date().toISOString();
    if (blobs.length) {
      const tar = join(work, 'squashed.tar');
      const fd = openSync(tar, 'w', 0o600);
      try {
        mergeLayers(blobs, fd, !o.squashAll);
      } finally {
        closeSync(fd);
      }
      const { layer, diffId } = await storeLayer(store, tar);
      layers = [...kept, layer];
      diffIds = [...diffIds.slice(0, keep), diffId];
      history = [...baseHistory, { created, created_by: `tspod build ${o.squashAll ? '--squash-all' : '--squash'}`, comment: 'the build\'s layers squashed into one' }];
    } else history = [...baseHistory, { created, created_by: 'tspod build --squash', empty_layer: true }];
  }
  if (o.omitHistory) history = [];
  const image: ImageConfig & { 'os.version'?: string; 'os.features'?: string[] } = {
    ...cfg, config, rootfs: { type: 'layers', diff_ids: diffIds }, history,
    ...(o.osVersion !== undefined ? { 'os.version': o.osVersion } : {}),
    ...(o.osFeatures.length ? { 'os.features': [...new Set([...(cfg['os.features'] ?? []), ...o.osFeatures])] } : {}),
  };
  if (Object.keys(annotations).length && o.format === 'docker') process.stderr.write('WARN[0000] annotations are not supported by the docker image format and are ignored; use --format oci\n');
  return writeImage(store, image, layers, [], { ...co, annotations });
}

/** --output type=local,dest=DIR | type=tar,dest=FILE|- | DIR | -. */
function parseOutput(spec: string): { type: 'local' | 'tar'; dest: string } {
  let type = 'local', dest: string | undefined;
  if (spec === '-') [type, dest] = ['tar', '-'];
  else if (!spec.includes('=')) dest = spec;
  else {
    for (const p of spec.split(',')) {
      const [k, val = ''] = p.split('=', 2) as [string, string?];
      if (k === 'type') type = val;
      else if (k === 'dest') dest = val;
      else throw new TspodError(`--output ${spec}: unknown key "${k}" (type=local|tar,dest=PATH)`);
    }
  }
  if (!dest) throw new TspodError(`--output ${spec}: dest= is required`);
  if (type !== 'local' && type !== 'tar') throw new TspodError(`failed to parse build output: invalid type "${type}" selected for build output options "${spec}": use type=local or type=tar`);
  if (type === 'local' && dest === '-') throw new TspodError('--output type=local needs a directory, not -; use type=tar for stdout');
  return { type, dest };
}

/** --output: the image's files, every layer merged, into a directory or one tar. */
async function exportOutput(store: Store, img: ImageRecord, spec: string, work: string): Promise<void> {
  const { type, dest } = parseOutput(spec);
  const blobs = readManifest(store, img).layers.map((l) => store.blobs.path(l.digest));
  if (type === 'tar') {
    const fd = dest === '-' ? 1 : openSync(dest, 'w', 0o644);
    try {
      mergeLayers(blobs, fd, false);
    } finally {
      if (fd !== 1) closeSync(fd);
    }
    return;
  }
  const tar = join(work, 'output.tar');
  const fd = openSync(tar, 'w', 0o600);
  try {
    mergeLayers(blobs, fd, false);
  } finally {
    closeSync(fd);
  }
  await unpackArchive(tar, dest, `--output ${spec}`);
}
