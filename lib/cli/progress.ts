// What pull and push say while they work, on stderr as podman does: a line
// per step when stderr is not a terminal, and on a terminal one live line per
// layer with bytes and rate, redrawn in place. Nothing with --quiet.
import type { PullEvents } from '../image/pull.js';
import type { PushEvents } from '../image/push.js';
import { humanSize } from '../util/human.js';

type Desc = { digest: string; size: number };
const short = (d: Desc) => d.digest.replace(/^sha256:/, '').slice(0, 12);

export function pullProgress(quiet: boolean, out: NodeJS.WriteStream = process.stderr): PullEvents | undefined {
  if (quiet) return undefined;
  const write = (s: string) => out.write(s);
  if (!out.isTTY) {
    return {
      trying: (name) => write(`Trying to pull ${name}...\n`),
      blobStart: (d, kind, skipped) => {
        if (kind === 'config') write('Getting image source signatures\n');
        else if (skipped) write(`Copying blob ${short(d)} skipped: already exists\n`);
      },
      blobDone: (d, kind) => write(`Copying ${kind === 'config' ? 'config' : 'blob'} ${short(d)} done\n`),
      writingManifest: () => write('Writing manifest to image destination\n'),
    };
  }
  // Terminal: the live lines are redrawn at most every 100 ms.
  const rows: Array<{ d: Desc; label: string; bytes: number; start: number; done: boolean; skipped: boolean }> = [];
  let drawn = 0;
  let last = 0;
  const render = (force = false) => {
    if (!force && Date.now() - last < 100) return;
    last = Date.now();
    let s = drawn ? `\x1b[${drawn}A` : '';
    for (const r of rows) {
      const secs = Math.max((Date.now() - r.start) / 1000, 0.001);
      const state = r.skipped ? 'skipped: already exists' : r.done ? 'done' : `${humanSize(r.bytes)} / ${humanSize(r.d.size)} ${humanSize(r.bytes / secs)}/s`;
      s += `\r\x1b[2KCopying ${r.label} ${short(r.d)} ${state}\n`;
    }
    drawn = rows.length;
    write(s);
  };
  const row = (d: Desc) => rows.find((r) => r.d.digest === d.digest);
  return {
    trying: (name) => write(`Trying to pull ${name}...\n`),
    blobStart: (d, kind, skipped) => {
      if (kind === 'config') write('Getting image source signatures\n');
      if (kind === 'config' || row(d)) return;
      rows.push({ d, label: 'blob', bytes: 0, start: Date.now(), done: skipped, skipped });
      render(true);
    },
    blobProgress: (d, bytes) => {
      const r = row(d);
      if (r) r.bytes = bytes;
      render();
    },
    blobDone: (d, kind) => {
      const r = row(d);
      if (r) r.done = true;
      render(true);
      if (kind === 'config') {
        drawn = 0;
        write(`Copying config ${short(d)} done\n`);
      }
    },
    writingManifest: () => {
      render(true);
      drawn = 0;
      write('Writing manifest to image destination\n');
    },
  };
}

export function pushProgress(quiet: boolean, out: NodeJS.WriteStream = process.stderr): PushEvents | undefined {
  if (quiet) return undefined;
  return {
    blob: (d, state, kind) => {
      const what = `Copying ${kind === 'config' ? 'config' : 'blob'} ${short(d)}`;
      if (state === 'skipped') out.write(`${what} skipped: already exists\n`);
      else if (state === 'mounted') out.write(`${what} done (mounted from another repository)\n`);
      else if (state === 'done') out.write(`${what} done\n`);
    },
    writingManifest: () => out.write('Writing manifest to image destination\n'),
  };
}
