// tag, untag, history, save, image prune.
import { TspodError } from '../util/errors.js';
import { ago, columns, humanSize } from '../util/human.js';
import { type Args, positionals } from './args.js';

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
  } else {
    const cut = (s: string) => (a['no-trunc'] || s.length <= 45 ? s : `${s.slice(0, 42)}...`);
    process.stdout.write(columns([['ID', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
      ...rows.map((r) => [a['no-trunc'] ? r.id : r.id.slice(0, 12), r.created ? ago(r.created) : '', cut(r.createdBy), humanSize(r.size), r.comment])]));
  }
};

export const save = async (a: Args): Promise<number | void> => {
  const refs = positionals(a, 'save', 1);
  if (!a.output) throw new TspodError('tspod save needs -o FILE (writing an archive to stdout is not supported yet)');
  const { imageSave } = await import('../engine/images.js');
  await imageSave(refs, a.format as 'docker-archive' | 'oci-archive' | 'oci-dir', String(a.output));
};

export const prune = async (a: Args): Promise<number | void> => {
  const { imagePrune } = await import('../engine/images.js');
  for (const id of await imagePrune(Boolean(a.all))) process.stdout.write(`${id}\n`);
};
