// The build context and COPY/ADD: sources resolved inside the context (a path or
// symlink that leads out of it is refused, podman's "possible escaping context
// directory"), and the layer tar that holds the copied files with Docker's
// destination rules, owners (0:0 or --chown) and modes (--chmod).
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeSync, type Stats } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import type { HeaderData } from 'tar';
import { writeTarBody, writeTarHeader } from '../storage/diff.js';
import { TspodError } from '../util/errors.js';

/** What a path is in the image being built: the stage's layer directories, top first. */
export type ImageLookup = (path: string) => 'dir' | 'other' | undefined;

export function layerLookup(diffDirs: string[]): ImageLookup {
  return (path) => {
    const rel = posix.normalize(path).replace(/^\/+/, '');
    if (!rel || rel === '.') return 'dir';
    for (const d of diffDirs) {
      try {
        const st = lstatSync(join(d, rel));
        if (st.isCharacterDevice() && st.rdev === 0) return undefined; // a whiteout
        return st.isDirectory() ? 'dir' : 'other';
      } catch {
        /* not in this layer */
      }
    }
    return undefined;
  };
}

function escaping(src: string, ctx: string): TspodError {
  return new TspodError(`checking on sources under "${ctx}": possible escaping context directory error: "${src}" resolves outside the build context; copy only files under the context directory`);
}

/** Sources of COPY/ADD: paths relative to the context (even when written absolute), with `*`/`?`
 * globs in the last part; each resolved to a real path inside the context or refused. */
export function resolveSources(ctx: string, srcs: string[], ignored: Ignore = () => false): Source[] {
  const root = realpathSync(ctx);
  const inside = (p: string) => p === root || p.startsWith(root + sep);
  const out: Source[] = [];
  for (const src of srcs) {
    const lexical = join(root, src.replace(/^\/+/, ''));
    if (!inside(lexical)) throw escaping(src, ctx);
    const base = posix.basename(src);
    let candidates = [lexical];
    if (/[*?[]/.test(base)) {
      const dir = join(lexical, '..');
      const re = globRegex(base);
      candidates = safeReal(dir, src, ctx, inside) ? readdirSync(dir).filter((n) => re.test(n)).sort().map((n) => join(dir, n)) : [];
      if (candidates.length === 0) throw new TspodError(`checking on sources under "${ctx}": no files found matching "${src}"`);
    }
    for (const c of candidates) {
      const real = safeReal(c, src, ctx, inside);
      if (!real) throw new TspodError(`checking on sources under "${ctx}": copier: stat: "${'/' + relative(root, c)}": no such file or directory`);
      const rel = relative(root, real);
      if (rel && ignored(rel)) throw new TspodError(`checking on sources under "${ctx}": copier: stat: "/${rel}": no such file or directory (excluded by the context's ignore file)`);
      out.push({ hosts: [real], name: posix.basename(relative(root, c)) || '.', inContext: { rel, ignored } });
    }
  }
  return out;
}

function safeReal(p: string, src: string, ctx: string, inside: (p: string) => boolean): string | undefined {
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    // Missing: still refused as escaping when the part of it that exists leads out.
    for (let q = join(p, '..'); ; q = join(q, '..')) {
      try {
        if (!inside(realpathSync(q))) throw escaping(src, ctx);
        return undefined;
      } catch (err) {
        if (err instanceof TspodError || q === '/') throw err;
      }
    }
  }
  if (!inside(real)) throw escaping(src, ctx);
  return real;
}

function globRegex(glob: string): RegExp {
  return ignoreRegex(glob);
}

export interface CopyOptions {
  uid: number;
  gid: number;
  /** --chmod: the mode of every copied file and directory */
  mode?: number;
  /** COPY --from without --chown: each copied file keeps its owner (as podman's); made parents get uid:gid */
  preserveOwners?: boolean;
  /** read outside the user namespace: a file's owner as the container sees it */
  mapOwner?: (uid: number, gid: number) => [number, number];
}

/** Parse --chmod (octal). */
export function parseChmod(v: string): number {
  if (!/^[0-7]{3,4}$/.test(v)) throw new TspodError(`invalid --chmod "${v}": give an octal mode such as 755 or 0644`);
  return parseInt(v, 8);
}

class TarOut {
  constructor(private fd: number) {}

  header(fields: HeaderData): void {
    writeTarHeader(this.fd, fields);
  }

  file(path: string, size: number): void {
    writeTarBody(this.fd, path, size);
  }

  end(): void {
    writeSync(this.fd, Buffer.alloc(1024));
  }
}

/** Write the layer tar of one COPY/ADD to the open file FD. DEST is absolute in the image. */
export interface Source {
  hosts: string[];
  name: string;
  /** a context source: its path from the context root, and the ignore file's verdict on a path */
  inContext?: { rel: string; ignored: Ignore };
}

export function writeCopyLayer(fd: number, sources: Source[], dest: string, o: CopyOptions, image: ImageLookup): void {
  const t = new TarOut(fd);
  const destIsDir = dest.endsWith('/') || sources.length > 1 || image(dest) === 'dir' || sources.some((s) => lstatSync(s.hosts[0]!).isDirectory());
  if (sources.length > 1 && !dest.endsWith('/')) throw new TspodError(`adding multiple sources to non-directory destination "${dest}": end the destination with "/"`);
  const target = posix.normalize(dest).replace(/^\/+/, '').replace(/\/+$/, '');
  const made = new Set<string>();
  const owners = (st?: Stats) => {
    if (!o.preserveOwners || !st) return { uid: o.uid, gid: o.gid };
    const [uid, gid] = o.mapOwner ? o.mapOwner(st.uid, st.gid) : [st.uid, st.gid];
    return { uid, gid };
  };
  const hardLinks = new Map<string, string>();
  const dirEntry = (rel: string, st?: Stats) => {
    if (!rel || made.has(rel)) return;
    made.add(rel);
    t.header({ path: `${rel}/`, type: 'Directory', mode: o.mode ?? (st ? st.mode & 0o7777 : 0o755), ...owners(st), mtime: st?.mtime ?? new Date(0) });
  };
  // Parents the image lacks are made (root's 0755 unless --chown).
  const parts = target.split('/').filter(Boolean);
  const parentCount = destIsDir ? parts.length : parts.length - 1;
  for (let i = 1; i <= parentCount; i++) {
    const p = parts.slice(0, i).join('/');
    if (image(`/${p}`) === undefined) dirEntry(p);
    else if (image(`/${p}`) !== 'dir') throw new TspodError(`cannot copy to "${dest}": "/${p}" exists in the image and is not a directory`);
  }
  // HOSTS: where the path is, top layer first (one path for the context); directories are
  // the union of the layers' (whiteouts hide what is below them).
  const put = (hosts: string[], rel: string, top = false, ctxRel?: string, ignored?: Ignore) => {
    const host = hosts[0]!;
    const st = lstatSync(host);
    const common = { path: rel, ...owners(st), mtime: st.mtime };
    if (st.isDirectory()) {
      // The destination itself: made above when the image lacks it (its mode kept when it has it).
      if (rel && !top) {
        made.delete(rel);
        dirEntry(rel, st);
      }
      const dirs: string[] = [];
      for (const h of hosts) {
        const hs = lstatSync(h, { throwIfNoEntry: false });
        if (!hs?.isDirectory()) break;
        dirs.push(h);
      }
      const names = [...new Set(dirs.flatMap((d) => readdirSync(d)))].sort();
      for (const n of names) {
        const below = dirs.map((d) => join(d, n)).filter((p) => lstatSync(p, { throwIfNoEntry: false }));
        const top = lstatSync(below[0]!);
        if (top.isCharacterDevice() && top.rdev === 0) continue; // a whiteout
        const childCtx = ctxRel === undefined ? undefined : ctxRel ? `${ctxRel}/${n}` : n;
        // .containerignore / .dockerignore: an ignored directory is still walked when an exception
        // (`!dir/pattern`) names something inside it; its files each get their own verdict.
        if (childCtx !== undefined && ignored?.(childCtx) && !(lstatSync(below[0]!).isDirectory() && ignored.walkInto?.(childCtx))) continue;
        put(below, rel ? `${rel}/${n}` : n, false, childCtx, ignored);
      }
    } else if (st.isFile()) {
      // hard links among the copied files stay hard links (one file, several names), as podman's COPY
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        const first = hardLinks.get(key);
        if (first !== undefined) {
          t.header({ ...common, type: 'Link', linkpath: first, size: 0, mode: o.mode ?? st.mode & 0o7777 });
          return;
        }
        hardLinks.set(key, rel);
      }
      t.header({ ...common, type: 'File', size: st.size, mode: o.mode ?? st.mode & 0o7777 });
      t.file(host, st.size);
    } else if (st.isSymbolicLink()) {
      // Copied as the link it is: never followed.
      t.header({ ...common, type: 'SymbolicLink', linkpath: readlinkSync(host), mode: 0o777 });
    }
    // sockets, fifos, devices: left out, as Docker's context reader does.
  };
  for (const s of sources) {
    const st = lstatSync(s.hosts[0]!);
    if (st.isDirectory()) put(s.hosts, target, true, s.inContext?.rel, s.inContext?.ignored);
    else put(s.hosts, destIsDir ? (target ? `${target}/${s.name}` : s.name) : target);
  }
  t.end();
}

/** Sources of COPY --from: paths in an image's layer directories (top first). A path whose
 * directories are symlinks is refused: nothing is read outside the layers. */
export function imageSources(diffDirs: string[], srcs: string[], what: string): Source[] {
  return srcs.map((src) => {
    const rel = posix.normalize('/' + src).replace(/^\/+/, '');
    const hosts: string[] = [];
    for (const d of diffDirs) {
      const parts = rel.split('/').filter(Boolean);
      let p = d;
      let hidden = false;
      for (let i = 0; i < parts.length; i++) {
        p = join(p, parts[i]!);
        const st = lstatSync(p, { throwIfNoEntry: false });
        if (!st) break;
        if (st.isCharacterDevice() && st.rdev === 0) { hidden = true; break; }
        if (i < parts.length - 1 && st.isSymbolicLink()) {
          throw new TspodError(`COPY --from=${what} ${src}: "/${parts.slice(0, i + 1).join('/')}" is a symbolic link in the image; name the path it points to`);
        }
        if (i === parts.length - 1) hosts.push(p);
      }
      if (!rel) hosts.push(d);
      if (hidden) break;
    }
    if (hosts.length === 0) throw new TspodError(`COPY --from=${what}: checking on sources: copier: stat: "/${rel}": no such file or directory`);
    return { hosts, name: posix.basename(rel) || '.' };
  });
}

/** The context's ignore file (.containerignore, else .dockerignore) as Docker reads it: one
 * pattern a line from the context root, `*` `?` `[...]` within a name, `**` across directories,
 * `!` an exception; the last pattern that matches a path (or a directory above it) decides. */
export type Ignore = ((rel: string) => boolean) & {
  /** an ignored directory is still walked (its files judged one by one) only when an exception pattern
   * names something under it by its text (`!dir/keep*` for `dir`), as Docker's context walk */
  walkInto?: (dirRel: string) => boolean;
};

export function ignoreMatcher(ctx: string, ignorefile?: string): Ignore {
  let text: string | undefined;
  if (ignorefile !== undefined) {
    try {
      text = readFileSync(ignorefile, 'utf8');
    } catch (err) {
      throw new TspodError(`--ignorefile ${ignorefile}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}`);
    }
  }
  for (const n of ignorefile === undefined ? ['.containerignore', '.dockerignore'] : []) {
    try {
      text = readFileSync(join(ctx, n), 'utf8');
      break;
    } catch {
      /* none */
    }
  }
  if (text === undefined) return () => false;
  return ignoreRules(text);
}

/** The rules of an ignore file's TEXT. */
export function ignoreRules(text: string): Ignore {
  const rules = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
    const exception = l.startsWith('!');
    const pattern = posix.normalize((exception ? l.slice(1) : l).trim()).replace(/^\/+/, '').replace(/\/+$/, '');
    return { exception, pattern, re: ignoreRegex(pattern) };
  });
  const matcher: Ignore = (rel) => {
    const parts = rel.split('/');
    let out = false;
    for (const r of rules) {
      for (let i = parts.length; i > 0; i--) {
        if (r.re.test(parts.slice(0, i).join('/'))) {
          out = !r.exception;
          break;
        }
      }
    }
    return out;
  };
  const exceptions = rules.filter((r) => r.exception).map((r) => `${r.pattern}/`);
  matcher.walkInto = (dirRel) => exceptions.some((p) => p.startsWith(`${dirRel}/`));
  return matcher;
}

function ignoreRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
