// tag, untag, history, save, image prune.
import { TspodError } from '../util/errors.js';
import { ago, columns, humanSize } from '../util/human.js';
import { type Args, positionals } from './args.js';
import type { SaveFormat } from '../engine/images.js';

export const tag = async (a: Args): Promise<number | void> => {
  const [img, ...names] = positionals(a, 'tag', 2);
  const { imageTag } = await import('../engine/images.js');
  await imageTag(img!, names);
};

export const untag = async (a: Args): Promise<number | void> => {
  const [img, ...names] = positionals(a, 'untag', 1);
  const { imageUntag } = await import('../engine/images.js');
  await imageUntag(img!, names);
};

export const history = async (a: Args): Promise<number | void> => {
  const [img] = positionals(a, 'history', 1);
  const { imageHistory } = await import('../engine/images.js');
  const rows = imageHistory(img!);
  if (a.format === 'json') {
    process.stdout.write(JSON.stringify(rows.map((r) => ({ id: r.id, created: r.created, createdBy: r.createdBy, size: r.size, comment: r.comment })), null, 4) + '\n');
  } else if (a.quiet) {
    process.stdout.write(rows.map((r) => `${a['no-trunc'] ? r.id : r.id.slice(0, 12)}\n`).join(''));
  } else if (a.format) {
    // podman's history fields (images.historyReporter)
    const { renderList } = await import('./format.js');
    const fields = rows.map((r) => ({
      ID: a['no-trunc'] || r.id === '<missing>' ? r.id : r.id.slice(0, 12),
      Created: !r.created ? '' : a.human === false ? rfc3339(r.created) : ago(r.created),
      CreatedBy: r.createdBy, Size: humanSize(r.size), Comment: r.comment, Tags: [] as string[],
      CreatedAt: r.created ? goTime(r.created) : '', CreatedSince: r.created ? ago(r.created) : '',
    }));
    process.stdout.write(renderList(fields, String(a.format), { verb: 'history' }));
  } else {
    const cut = (s: string) => (a['no-trunc'] || s.length <= 45 ? s : `${s.slice(0, 42)}...`);
    process.stdout.write(columns([['ID', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
      ...rows.map((r) => [a['no-trunc'] ? r.id : r.id.slice(0, 12), !r.created ? '' : a.human === false ? rfc3339(r.created) : ago(r.created), cut(r.createdBy), humanSize(r.size), r.comment])]));
  }
};

/** Go's RFC 3339 time (no fraction), as podman's history prints CREATED with --human=false. */
function rfc3339(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Go's time.Time String(): 2006-01-02 15:04:05 +0000 UTC. */
function goTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} +0000 UTC`;
}

export const save = async (a: Args): Promise<number | void> => {
  const refs = positionals(a, 'save', 1);
  // no -o: to stdout, unless that is a terminal (podman's refusal)
  if (!a.output && process.stdout.isTTY) throw new TspodError('refusing to save to terminal. Use -o flag or redirect');
  const { imageSave } = await import('../engine/images.js');
  // --compress: docker-dir only (the engine refuses it with the others, in podman's words)
  await imageSave(refs, a.format as SaveFormat, a.output ? String(a.output) : process.stdout, { uncompressed: Boolean(a.uncompressed), compress: Boolean(a.compress) });
};

export const prune = async (a: Args): Promise<number | void> => {
  const { imagePrune } = await import('../engine/images.js');
  for (const id of await imagePrune(Boolean(a.all), (a.filter as string[] | undefined) ?? [])) process.stdout.write(`${id}\n`);
};

export const imageDiff = async (a: Args): Promise<number | void> => {
  const [img, other] = positionals(a, 'image diff', 1, 2);
  const { imageDiff: diff } = await import('../engine/images.js');
  const rows = (await diff(img!, other)).map((d) => ({ Kind: d.kind, Path: d.path }));
  if (!a.format) process.stdout.write(rows.map((r) => `${r.Kind} ${r.Path}\n`).join(''));
  else if (a.format === 'json') {
    const group = (k: string) => rows.filter((r) => r.Kind === k).map((r) => r.Path);
    const out: Record<string, string[]> = {};
    if (group('C').length) out.changed = group('C');
    if (group('A').length) out.added = group('A');
    if (group('D').length) out.deleted = group('D');
    process.stdout.write(JSON.stringify(out, null, 4) + '\n');
  } else throw new TspodError(`unknown format "${String(a.format)}": image diff takes json`);
};

/** podman's sizes in trees: 4 significant digits, decimal units. */
function treeSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

export const imageTree = async (a: Args): Promise<number | void> => {
  const [img] = positionals(a, 'image tree', 1, 1);
  const { imageTree: tree } = await import('../engine/images.js');
  const t = tree(img!);
  const lines = [`Image ID: ${t.id.slice(0, 12)}`, `Tags:     [${t.names.join(' ')}]`, `Size:     ${treeSize(t.size)}`, 'Image Layers'];
  if (a.whatrequires) {
    t.children.forEach((c, i) => lines.push(`${i === t.children.length - 1 ? '└── ' : '├── '}ID: ${c.id.slice(0, 12)} Top Layer of: [${c.names.join(' ')}]`));
  } else {
    t.layers.forEach((l, i) => lines.push(`${i === t.layers.length - 1 ? '└── ' : '├── '}ID: ${l.id.slice(0, 12)} Size: ${treeSize(l.size).padStart(7)}${l.topOf.length ? ` Top Layer of: [${l.topOf.join(' ')}]` : ''}`));
  }
  process.stdout.write(lines.join('\n') + '\n');
};

/** `image mount [--all] [IMAGE...]`: each image's read-only root; without images, those mounted. */
export const imageMount = async (a: Args): Promise<number | void> => {
  const { imageMount: mount, mountedImages, imageList } = await import('../engine/images.js');
  if (a.all && a.operands.length) throw new TspodError('when using the --all switch, you may not pass any image names or IDs');
  const refs = a.all ? imageList().map((i) => i.id.slice(7)) : a.operands;
  if (refs.length) {
    for (const r of refs) {
      const path = await mount(r);
      process.stdout.write(a.all ? `${r.slice(0, 12)} ${path}\n` : `${path}\n`);
    }
    return;
  }
  const rows = await mountedImages();
  if (a.format === 'json') process.stdout.write(JSON.stringify(rows.map((m) => ({ id: m.id, Names: m.names, Repositories: m.names, mountpoint: m.path })), null, 4) + '\n');
  else if (a.format) process.stdout.write((await import('./format.js')).renderList(rows.map((m) => ({ ID: m.id.slice(0, 12), Repositories: m.names, Mountpoint: m.path })), String(a.format), { verb: 'image mount' }));
  else process.stdout.write(rows.map((m) => `${m.id.slice(0, 12)} ${m.names[0] ?? '<none>'} ${m.path}\n`).join(''));
};

/** `image unmount [--all] IMAGE...`: --force is accepted: tspod's images have no mount counts to force past. */
export const imageUnmount = async (a: Args): Promise<number | void> => {
  const { imageUnmount: unmount, mountedImages } = await import('../engine/images.js');
  if (a.all && a.operands.length) throw new TspodError('when using the --all switch, you may not pass any image names or IDs');
  const refs = a.all ? (await mountedImages()).map((m) => m.id) : positionals(a, 'image unmount', 1);
  for (const r of refs) process.stdout.write(`${await unmount(r)}\n`);
};

export const imageSign = async (a: Args): Promise<number | void> => {
  const refs = positionals(a, 'image sign', 1);
  // tspod signs the one manifest a reference names; the instances of a list are not walked
  if (a.all) throw new TspodError('--all: tspod signs the manifest the reference names, not each instance of a manifest list; sign each instance by its digest');
  const { imageSign: sign } = await import('../engine/sign.js');
  await sign(refs, { signBy: String(a['sign-by'] ?? ''), directory: a.directory as string | undefined, authfile: a.authfile as string | undefined, certDir: a['cert-dir'] as string | undefined });
};
