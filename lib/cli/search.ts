// `tspod search` / `tspod image search`: podman's table, --format, --list-tags.
import { isJsonFormat } from '../util/template.js';
import { type Args, positionals, registryOptions, toArray } from './args.js';
import { renderList } from './format.js';

export async function handler(a: Args): Promise<number | void> {
  const [term] = positionals(a, a.command, 1, 1, 'search term');
  const { search, searchTags } = await import('../engine/search.js');
  const req = { ...registryOptions(a), limit: Number(a.limit ?? 0), filters: toArray(a.filter), listTags: Boolean(a['list-tags']) };
  const format = a.format as string | undefined;
  if (req.listTags) {
    const r = await searchTags(term!, req);
    if (format !== undefined && isJsonFormat(format)) {
      process.stdout.write(JSON.stringify([r], null, 4) + '\n');
      return;
    }
    const rows = r.Tags.map((t) => ({ Name: r.Name, Tag: t }));
    process.stdout.write(renderList(rows, format ?? 'table {{.Name}}\t{{.Tag}}', { verb: 'search' }));
    return;
  }
  const hits = await search(term!, req);
  if (format !== undefined && isJsonFormat(format)) {
    process.stdout.write(JSON.stringify(hits, null, 4) + '\n');
    return;
  }
  // podman cuts descriptions at 44 characters unless --no-trunc.
  const rows = a['no-trunc'] ? hits : hits.map((h) => ({ ...h, Description: h.Description.length > 44 ? `${h.Description.slice(0, 44)}...` : h.Description }));
  if (!rows.length && format === undefined) return;
  const def = a.compatible ? 'table {{.Name}}\t{{.Description}}\t{{.Stars}}\t{{.Official}}\t{{.Automated}}' : 'table {{.Name}}\t{{.Description}}';
  process.stdout.write(renderList(rows, format ?? def, { verb: 'search' }));
}
