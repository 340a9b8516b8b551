// Printing lists and objects the podman way: a table by default, `--format json`, or a Go template
// (util/template.ts) run over the rows as podman's report package does, with "table" for headers.
import { defaultHeader, isJsonFormat, markMap, normalizeFormat, parseTemplate, tabwrite, TemplateError, type Template, type TemplateOptions } from '../util/template.js';
import { columns } from '../util/human.js';
import { out } from './out.js';

/**
 * What the template engine needs to know about one verb's rows: the Go type name podman's messages
 * show, and the column headers podman gives fields whose header is not just the upper-cased name.
 * Rows are plain objects with a fixed field set, so they are Go structs: an unknown field is an
 * error; Labels (and the other DEFAULT_MAP_FIELDS of util/template.ts) are maps: a missing key
 * prints <no value>.
 */
export interface FormatOptions {
  /** podman's template name, the verb: ps, images, inspect, pod ps... */
  verb?: string;
  /** Go type of a row for "can't evaluate field X in type T" */
  typeName?: string;
  /** field name -> column header, over the defaults of the verb */
  headers?: Record<string, string>;
  /** field names whose values are maps */
  mapFields?: Iterable<string>;
}

const VERBS: Record<string, { typeName: string; headers: Record<string, string>; jsonIndent?: number }> = {
  ps: { typeName: 'containers.psReporter', jsonIndent: 2, headers: { ID: 'CONTAINER ID', Pod: 'POD ID', PodName: 'PODNAME', CreatedHuman: 'CREATED', RunningFor: 'CREATED' } },
  images: { typeName: 'images.imageReporter', headers: { ID: 'IMAGE ID', ReadOnly: 'R/O', CreatedSince: 'CREATED' } },
  'pod ps': { typeName: 'pods.ListPodReporter', headers: { ID: 'POD ID', InfraID: 'INFRA ID', NumberOfContainers: '# OF CONTAINERS' } },
  history: { typeName: 'images.historyReporter', headers: { CreatedBy: 'CREATED BY' } },
  inspect: { typeName: 'interface {}', headers: {} },
  version: { typeName: '*define.Version', headers: {} },
  info: { typeName: '*define.Info', headers: {} },
};

/** The callers that predate FormatOptions are recognised by their default table's first header. */
function guessVerb(header: string[]): string {
  if (header[0] === 'CONTAINER ID') return 'ps';
  if (header[0] === 'REPOSITORY') return 'images';
  if (header[0] === 'POD ID') return 'pod ps';
  return 'template';
}

/**
 * podman's Formatter for lists: the template runs once over all rows (wrapped in {{range .}} unless
 * it starts with one), each row ending in a newline; "table " adds a header row (the same template
 * run on a map of field name -> header) and aligns the columns with tabwriter (minwidth 12,
 * padding 2). Throws TemplateError (exit 125) with Go's message on a bad template.
 */
export function renderList(rows: unknown[], format: string, opts: FormatOptions = {}): string {
  const verb = opts.verb ?? 'template';
  const known = VERBS[verb];
  const { text, table } = normalizeFormat(format);
  const wrap = (body: string) => (/\{\{\s*range\s*\.\s*\}\}.*\{\{\s*end\s*-?\s*\}\}/.test(body) && !table ? body : `{{range .}}${body}{{end -}}`);
  const t = parseWithFallback(wrap(text), wrap(format), { name: verb, typeName: opts.typeName ?? known?.typeName, mapFields: opts.mapFields });
  let out = '';
  if (table) {
    const overrides = { ...known?.headers, ...opts.headers };
    const hdr: Record<string, string> = {};
    const fields = new Set<string>();
    const first = rows[0];
    if (first && typeof first === 'object') for (const k of Object.keys(first)) fields.add(k);
    // with no rows, the fields the template names still get headers
    for (const m of text.matchAll(/(?<![\w$)\]])\.([\p{L}_][\p{L}\p{Nd}_]*)/gu)) fields.add(m[1]!);
    for (const f of fields) hdr[f] = (overrides[f] ?? defaultHeader(f)).toUpperCase();
    out += t.execute([markMap(hdr)]);
  }
  out += t.execute(rows);
  return table ? tabwrite(out) : out;
}

/**
 * podman expands `\t`/`\n` escapes (docker does) but, when that breaks the template (`{{printf "\n"}}`),
 * parses the text as given; a template that fails both ways reports the error of the second parse.
 */
function parseWithFallback(normalized: string, raw: string, opts: TemplateOptions): Template {
  try {
    return parseTemplate(normalized, opts);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return parseTemplate(raw, opts);
  }
}

/**
 * One object through a template (version, info; podman runs these without a range): the result
 * with `\t`/`\n` escapes expanded and a final newline.
 */
export function renderObject(data: unknown, format: string, opts: FormatOptions = {}): string {
  const { text, table } = normalizeFormat(format);
  const t = parseWithFallback(text, format.endsWith('\n') ? format : `${format}\n`, { name: opts.verb ?? 'template', typeName: opts.typeName ?? VERBS[opts.verb ?? '']?.typeName, mapFields: opts.mapFields });
  const out = t.execute(data);
  return table ? tabwrite(out) : out;
}

export function printList<T>(rows: T[], format: string | undefined, table: { header: string[]; row: (r: T) => string[] }, quiet?: (r: T) => string, unique?: (r: T) => string, opts?: FormatOptions): void {
  if (quiet) {
    const seen = new Set<string>();
    const kept = unique ? rows.filter((r) => !seen.has(unique(r)) && seen.add(unique(r))) : rows;
    out(kept.map((r) => quiet(r) + '\n').join(''));
    return;
  }
  const verb = opts?.verb ?? guessVerb(table.header);
  if (format !== undefined && isJsonFormat(format)) {
    // podman indents ps by 2, images and most others by 4
    out(JSON.stringify(rows, null, VERBS[verb]?.jsonIndent ?? 4) + '\n');
    return;
  }
  if (format) {
    out(renderList(rows, format, { verb, ...opts }));
    return;
  }
  out(columns([table.header, ...rows.map(table.row)]));
}

/** What rm-like verbs (volume rm, network rm) print: each name removed on stdout, each error on
 * stderr; podman's exit code: 125 for any other failure, else 2 when one is in use, else 1 when
 * one does not exist, else 0. */
export function printRemovals(reports: Array<{ name: string; error?: string; exitCode?: number }>): number {
  for (const r of reports) {
    if (r.error) process.stderr.write(`Error: ${r.error}\n`);
    else out(`${r.name}\n`);
  }
  const codes = reports.map((r) => (r.error ? r.exitCode ?? 125 : 0));
  return codes.includes(125) ? 125 : codes.includes(2) ? 2 : codes.includes(1) ? 1 : 0;
}
