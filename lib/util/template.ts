// A small subset of Go's text/template, enough for podman-style --format:
// literal text, {{.Field.Sub}} (field names matched case-insensitively),
// {{json .X}} / {{json .}}, and a leading "table " that adds a header row.
export interface Compiled {
  table: boolean;
  render(value: unknown): string;
  header(): string;
}

type Part = { text: string } | { path: string[]; json: boolean };

function lookup(value: unknown, path: string[]): unknown {
  let cur: unknown = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const obj = cur as Record<string, unknown>;
    const k = Object.keys(obj).find((x) => x.toLowerCase() === key.toLowerCase());
    cur = k === undefined ? undefined : obj[k];
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  // Go prints a map's keys sorted.
  if (typeof v === 'object') return `map[${Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => `${k}:${show(x)}`).join(' ')}]`;
  return String(v);
}

export function compileTemplate(src: string): Compiled {
  let text = src.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const table = text.startsWith('table ');
  if (table) text = text.slice(6);
  const parts: Part[] = [];
  const re = /\{\{-?\s*(.*?)\s*-?\}\}/g;
  let last = 0;
  for (let m; (m = re.exec(text)); ) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    const expr = m[1]!.trim();
    const json = expr.startsWith('json ');
    const field = json ? expr.slice(5).trim() : expr;
    if (!field.startsWith('.')) throw new Error(`template: unsupported expression "{{${expr}}}" (tspod supports {{.Field}} and {{json .Field}})`);
    parts.push({ path: field.slice(1).split('.').filter(Boolean), json });
    last = re.lastIndex;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return {
    table,
    render: (value) =>
      parts.map((p) => ('text' in p ? p.text : p.json ? JSON.stringify(lookup(value, p.path)) : show(lookup(value, p.path)))).join(''),
    header: () => parts.map((p) => ('text' in p ? p.text : p.path.join('.').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase())).join(''),
  };
}
