// Printing lists the podman way: a table by default, `--format json`, or a
// Go template (with "table" for a header row).
import { compileTemplate } from '../util/template.js';
import { columns } from '../util/human.js';
import { TspodError } from '../util/errors.js';

export function printList<T>(rows: T[], format: string | undefined, table: { header: string[]; row: (r: T) => string[] }, quiet?: (r: T) => string, unique?: (r: T) => string): void {
  if (quiet) {
    const seen = new Set<string>();
    const kept = unique ? rows.filter((r) => !seen.has(unique(r)) && seen.add(unique(r))) : rows;
    process.stdout.write(kept.map((r) => quiet(r) + '\n').join(''));
    return;
  }
  if (format === 'json') {
    process.stdout.write(JSON.stringify(rows, null, 4) + '\n');
    return;
  }
  if (format) {
    let t;
    try {
      t = compileTemplate(format);
    } catch (err) {
      throw new TspodError(`--format: ${(err as Error).message}`);
    }
    const lines = rows.map((r) => t.render(r));
    if (t.table) lines.unshift(t.header());
    process.stdout.write(lines.map((l) => l + '\n').join(''));
    return;
  }
  process.stdout.write(columns([table.header, ...rows.map(table.row)]));
}
