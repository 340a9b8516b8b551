// `tspod images [-q] [--no-trunc] [--format]`
import { ago, humanSize } from '../util/human.js';
import { printList } from './format.js';
import { type Args, toArray } from './args.js';
import { TspodError } from '../util/errors.js';

export async function handler(a: Args): Promise<void> {
  const { imageList } = await import('../engine/images.js');
  const filters = toArray(a.filter).map((f) => {
    const [k, v = ''] = f.split(/=(.*)/s);
    if (k === 'dangling') return (n: string | undefined) => (v === 'true') === (n === undefined);
    if (k === 'reference') {
      // podman matches the pattern against the full name and against NAME[:TAG] without the registry
      const re = new RegExp(`^${v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.')}(:[^/]*)?$`);
      return (n: string | undefined) => n !== undefined && (re.test(n) || re.test(n.replace(/^[^/]+\//, '')) || re.test(n.split('/').pop()!));
    }
    throw new TspodError(`invalid filter "${f}" (reference=PATTERN, dangling=true|false)`);
  });
  // One row per name (podman's layout); filters pick rows.
  const rows = imageList(Boolean(a.all)).flatMap((img) => {
    const names: Array<string | undefined> = img.names.length ? img.names.filter((n) => filters.every((f) => f(n))) : filters.every((f) => f(undefined)) ? [undefined] : [];
    return names.map((name) => {
      const n = name ?? '<none>:<none>';
      const colon = n.lastIndexOf(':');
      return {
        ID: a['no-trunc'] ? img.id : img.id.slice(7, 19), Id: img.id.slice(7), Repository: n.slice(0, colon), Tag: n.slice(colon + 1),
        Names: img.names, Digest: img.digest, Created: Math.floor(Date.parse(img.created) / 1000), CreatedAt: img.created,
        CreatedSince: ago(img.created), Size: img.size,
      };
    });
  });
  printList(rows, a.format as string | undefined, {
    header: a.digests ? ['REPOSITORY', 'TAG', 'DIGEST', 'IMAGE ID', 'CREATED', 'SIZE'] : ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
    row: (r) => a.digests ? [r.Repository, r.Tag, r.Digest, r.ID, r.CreatedSince, humanSize(r.Size)] : [r.Repository, r.Tag, r.ID, r.CreatedSince, humanSize(r.Size)],
  }, a.quiet ? (r) => r.ID : undefined, a.quiet ? (r) => r.ID : undefined);
}
