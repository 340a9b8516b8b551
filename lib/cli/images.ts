// `tspod images [-q] [--no-trunc] [--format]`
import type { Argv } from 'yargs';
import { ago, humanSize } from '../util/human.js';
import { printList } from './format.js';

export function builder(y: Argv): Argv {
  return y
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Display only image IDs' })
    .option('no-trunc', { type: 'boolean', default: false, describe: 'Do not truncate output' })
    .option('format', { type: 'string', describe: 'Pretty-print images: json or a Go template' });
}

export async function handler(a: Record<string, unknown>): Promise<void> {
  const { imageList } = await import('../engine/images.js');
  const rows = imageList().flatMap((img) => {
    const names = img.names.length ? img.names : ['<none>:<none>'];
    return names.map((n) => {
      const colon = n.lastIndexOf(':');
      return {
        ID: a['no-trunc'] ? img.id : img.id.slice(7, 19), Id: img.id.slice(7), Repository: n.slice(0, colon), Tag: n.slice(colon + 1),
        Names: img.names, Digest: img.digest, Created: Math.floor(Date.parse(img.created) / 1000), CreatedAt: img.created,
        CreatedSince: ago(img.created), Size: img.size,
      };
    });
  });
  printList(rows, a.format as string | undefined, {
    header: ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
    row: (r) => [r.Repository, r.Tag, r.ID, r.CreatedSince, humanSize(r.Size)],
  }, a.quiet ? (r) => r.ID : undefined);
}
