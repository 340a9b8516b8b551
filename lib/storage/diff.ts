// A container's writable layer (an overlay upper directory) as an OCI layer
// tar: overlay whiteouts (0/0 character devices) become `.wh.NAME` entries and
// fuse-overlayfs's opaque markers `.wh..wh..opq`; owners are written as the
// user namespace sees them (this runs as its root, see diff-worker.ts).
// Hard links stay links; the files tspod bind-mounts over (/etc/hostname, hosts,
// resolv.conf, run/.containerenv, run/secrets) are left out when they are the empty mount points
// tspod made, and so is /run when it holds nothing else, and the /etc/mtab link tspod adds.
import { closeSync, constants as fsConstants, lstatSync, openSync, readdirSync, readlinkSync, readSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { Header, type HeaderData } from 'tar';
import { TspodError } from '../util/errors.js';

const mountPoints = new Set(['etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'run/.containerenv']);

/** Is PATH (relative REL) the /etc/mtab link tspod-launch makes for an image without one? */
export function madeMtab(path: string, rel: string, st: Stats): boolean {
  return rel === 'etc/mtab' && st.isSymbolicLink() && readlinkSync(path) === '/proc/mounts';
}

/** Is PATH (relative REL) one of tspod's empty mount points? */
function emptyMountPoint(path: string, rel: string, st: Stats): boolean {
  if (st.isDirectory()) return rel === 'run/secrets' && readdirSync(path).length === 0;
  return st.isFile() && st.size === 0 && mountPoints.has(rel);
}

/** One tar header on fd OUT; a name or link longer than ustar holds goes in a PAX header before it. */
export function writeTarHeader(out: number, fields: HeaderData): void {
  const block = Buffer.alloc(512);
  const h = new Header(fields);
  if (h.encode(block, 0)) {
    // A name or link longer than ustar holds: a PAX extended header carries it.
    const body = [['path', fields.path], ['linkpath', fields.linkpath]]
      .filter(([, v]) => v)
      .map(([k, v]) => {
        const rec = ` ${k}=${v}\n`;
        let len = rec.length + 2;
        while (String(len).length + rec.length !== len) len = String(len).length + rec.length;
        return `${len}${rec}`;
      }).join('');
    const data = Buffer.from(body);
    const pax = Buffer.alloc(512);
    new Header({ path: 'PaxHeader', type: 'ExtendedHeader', size: data.length, mode: 0o644, mtime: new Date(0) }).encode(pax, 0);
    writeSync(out, pax);
    writeSync(out, Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]));
    h.path = fields.path!.slice(0, 99);
    if (fields.linkpath) h.linkpath = fields.linkpath.slice(0, 99);
    block.fill(0);
    h.encode(block, 0);
  }
  writeSync(out, block);
}

function common(rel: string, st: Stats) {
  return { path: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
}

/** A tar entry's body: SIZE bytes of PATH, padded to the block; opened O_NOFOLLOW, so a file swapped
 * for a symlink meanwhile (by a running container, in a build context) is an error, not another file. */
export function writeTarBody(out: number, path: string, size: number): void {
  const fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  try {
    const buf = Buffer.alloc(1 << 20);
    let left = size;
    while (left > 0) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, left), null);
      if (n === 0) throw new TspodError(`${path} shrank while it was archived`);
      writeSync(out, buf, 0, n);
      left -= n;
    }
    const pad = (512 - (size % 512)) % 512;
    if (pad) writeSync(out, Buffer.alloc(pad));
  } finally {
    closeSync(fd);
  }
}

/** Write the layer tar of UPPER to the file descriptor OUT. */
export function writeUpperLayer(upper: string, out: number): void {
  const links = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const path = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path);
      if (name === '.wh..wh..opq') {
        writeTarHeader(out, { ...common(r, st), type: 'File', size: 0 });
      } else if (st.isCharacterDevice() && st.rdev === 0) {
        // A whiteout; fuse-overlayfs also whites out the name of its own marker.
        if (name !== '.wh..opq') writeTarHeader(out, { ...common(rel ? `${rel}/.wh.${name}` : `.wh.${name}`, st), type: 'File', size: 0 });
      } else if (st.isDirectory()) {
        // the empty directory tspod binds a container's secrets on (--secret), and /run made only for those
        if (emptyMountPoint(path, r, st)) continue;
        if (r === 'run' && readdirSync(path).every((n) => emptyMountPoint(join(path, n), `run/${n}`, lstatSync(join(path, n))))) continue;
        writeTarHeader(out, { ...common(`${r}/`, st), type: 'Directory', size: 0 });
        walk(path, r);
      } else if (st.isSymbolicLink()) {
        if (madeMtab(path, r, st)) continue;
        writeTarHeader(out, { ...common(r, st), type: 'SymbolicLink', size: 0, linkpath: readlinkSync(path) });
      } else if (st.isFile()) {
        if (emptyMountPoint(path, r, st)) continue;
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first) {
          writeTarHeader(out, { ...common(r, st), type: 'Link', size: 0, linkpath: first });
          continue;
        }
        if (st.nlink > 1) links.set(key, r);
        writeTarHeader(out, { ...common(r, st), type: 'File', size: st.size });
        writeTarBody(out, path, st.size);
      }
      // Sockets, fifos and other devices are not part of an image layer.
    }
  };
  walk(upper, '');
  writeSync(out, Buffer.alloc(1024));
}
