// `tspod images [-q] [-n] [--no-trunc] [--sort KEY] [--filter K=V] [--history] [--format]`
import { ago, columns, humanSize, byteCompare } from '../util/human.js';
import { printList } from './format.js';
import { type Args, toArray } from './args.js';
import { TspodError } from '../util/errors.js';
import { out } from './out.js';

/** podman's --sort keys for images. */
export const imageSortKeys = ['created', 'id', 'repository', 'size', 'tag'];

type ImageFilter = { key: string; match: (img: { id: string; created: string }, name: string | undefined) => boolean };

export async function handler(a: Args): Promise<void> {
  const { imageList, imageLabels, imageForFilter } = await import('../engine/images.js');
  const sort = String(a.sort ?? 'created');
  if (!imageSortKeys.includes(sort)) throw new TspodError(`"${sort}" is not a valid field for sorting. Choose from: ${imageSortKeys.join(', ')}`);
  let labels: Map<string, Record<string, string>> | undefined;
  // `images NAME`: podman's reference filter on that name.
  const filters: ImageFilter[] = [...toArray(a.filter), ...a.operands.slice(0, 1).map((o) => `reference=${o}`)].map((f): ImageFilter => {
    const [k = '', v = ''] = f.split(/=(.*)/s);
    switch (k) {
      case 'dangling':
        return { key: k, match: (_i, n) => (v === 'true') === (n === undefined) };
      case 'reference': {
        // podman matches the pattern against the full name and against NAME[:TAG] without the registry
        const re = new RegExp(`^${v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.')}(:[^/]*)?$`);
        return { key: k, match: (_i, n) => n !== undefined && (re.test(n) || re.test(n.replace(/^[^/]+\//, '')) || re.test(n.split('/').pop()!)) };
      }
      case 'id': {
        const id = v.replace(/^sha256:/, '');
        return { key: k, match: (i) => i.id.slice(7).startsWith(id) };
      }
      case 'before': {
        const t = Date.parse(imageForFilter(k, v).created);
        return { key: k, match: (i) => Date.parse(i.created) < t };
      }
      case 'since':
      case 'after': {
        const t = Date.parse(imageForFilter(k, v).created);
        return { key: k, match: (i) => Date.parse(i.created) > t };
      }
      case 'label': {
        labels ??= imageLabels();
        const [lk = '', lv] = v.split(/=(.*)/s);
        return { key: k, match: (i) => { const l = labels!.get(i.id) ?? {}; return l[lk] !== undefined && (lv === undefined || l[lk] === lv); } };
      }
      default:
        throw new TspodError(`unsupported image filter "${k}"`);
    }
  });
  // Filters of one key: any may match (several references); of different keys: all must.
  const keys = [...new Set(filters.map((f) => f.key))];
  const matches = (img: { id: string; created: string }, n: string | undefined) => keys.every((k) => filters.filter((f) => f.key === k).some((f) => f.match(img, n)));
  // The labels only when the output shows them: each is a read of the image's config.
  const wantLabels = a.format === 'json' || /\bLabels\b/.test(String(a.format ?? ''));
  if (wantLabels) labels ??= imageLabels();
  // One row per name (podman's layout); filters pick rows.
  const rows = imageList(Boolean(a.all)).flatMap((img) => {
    const names: Array<string | undefined> = img.names.length ? img.names.filter((n) => matches(img, n)) : matches(img, undefined) ? [undefined] : [];
    return names.map((name) => {
      const n = name ?? '<none>:<none>';
      const colon = n.lastIndexOf(':');
      return {
        ID: a['no-trunc'] ? img.id : img.id.slice(7, 19), Id: img.id.slice(7), Repository: n.slice(0, colon), Tag: n.slice(colon + 1),
        Names: img.names, Digest: img.digest, Created: Math.floor(Date.parse(img.created) / 1000), CreatedAt: img.created,
        CreatedSince: ago(img.created), Size: img.size,
        // every name it has had, newest first (names from before tspod kept them: its current ones)
        History: (img.namesHistory ?? img.names).join(', '),
        ...(wantLabels ? { Labels: labels!.get(img.id) ?? {} } : {}),
      };
    });
  });
  type Row = (typeof rows)[number];
  const by: Record<string, (x: Row, y: Row) => number> = {
    created: (x, y) => byteCompare(y.CreatedAt, x.CreatedAt),
    id: (x, y) => byteCompare(x.Id, y.Id),
    repository: (x, y) => byteCompare(x.Repository, y.Repository),
    size: (x, y) => x.Size - y.Size,
    tag: (x, y) => byteCompare(x.Tag, y.Tag),
  };
  rows.sort(by[sort]);
  const header = [...(a.digests ? ['REPOSITORY', 'TAG', 'DIGEST', 'IMAGE ID', 'CREATED', 'SIZE'] : ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']), ...(a.history ? ['HISTORY'] : [])];
  const row = (r: Row) => [...(a.digests ? [r.Repository, r.Tag, r.Digest, r.ID, r.CreatedSince, humanSize(r.Size)] : [r.Repository, r.Tag, r.ID, r.CreatedSince, humanSize(r.Size)]), ...(a.history ? [r.History] : [])];
  if (a.noheading && !a.format && !a.quiet) {
    if (rows.length) out(columns(rows.map(row)));
    return;
  }
  printList(rows, a.format as string | undefined, { header, row }, a.quiet ? (r) => r.ID : undefined, a.quiet ? (r) => r.ID : undefined);
}
