// A Containerfile's syntax (line continuations, the escape directive, comments,
// flags, JSON forms) comes from dockerfile-ast, the Dockerfile language server's
// parser; what each instruction means is the builder's (engine/build.ts).
import { DockerfileParser } from 'dockerfile-ast';
import { TspodError } from '../util/errors.js';

export interface Instruction {
  keyword: string;
  /** the arguments after the flags, continuations joined */
  args: string;
  flags: Record<string, string>;
  /** 1-based line */
  line: number;
  /** as written (flags too), for STEP lines and history */
  text: string;
  /** every flag in order (RUN takes several --mount) */
  flagList: Array<[string, string]>;
  /** here-documents (`RUN <<EOF`, `COPY <<EOF dest`), in the order of their markers */
  heredocs: Heredoc[];
}

/** One here-document: its word, its lines (tabs stripped for `<<-`), and whether variables in it expand. */
export interface Heredoc {
  name: string;
  body: string;
  /** the marker, its lines and terminator as written, for the shell to read itself */
  raw: string;
  expand: boolean;
  /** the placeholder the parser saw, and the marker as written */
  marker?: [string, string];
}

export interface Stage {
  index: number;
  name?: string;
  from: Instruction;
  steps: Instruction[];
}

export interface ParsedFile {
  /** ARG instructions before the first FROM */
  globalArgs: Instruction[];
  stages: Stage[];
}

interface AstFlag { getName(): string; getValue(): string | null }
interface AstInstruction {
  getKeyword(): string;
  getArgumentsContent(): string | null;
  getRange(): { start: { line: number } };
  getFlags?: () => AstFlag[];
}

const heredocMarker = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

/** Here-documents after RUN, COPY and ADD lines (beyond podman 4.3, as BuildKit's): their lines are taken
 * out of the text the parser reads (left as comments, so that line numbers hold) and kept by line. */
export function extractHeredocs(content: string): { text: string; byLine: Map<number, Heredoc[]> } {
  const lines = content.split('\n');
  const byLine = new Map<number, Heredoc[]>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!/^\s*(RUN|COPY|ADD)\s/i.test(line)) continue;
    const docs: Heredoc[] = [];
    let j = i + 1;
    for (const m of line.matchAll(heredocMarker)) {
      const before = line.slice(0, m.index);
      // a marker inside quotes is text (echo "a<<b")
      if ((before.split('"').length - 1) % 2 === 1 || (before.split("'").length - 1) % 2 === 1) continue;
      const [, dash, quote, name] = m as unknown as [string, string, string, string];
      const body: string[] = [];
      const raw: string[] = [];
      let closed = false;
      for (; j < lines.length; j++) {
        raw.push(lines[j]!);
        const l = dash ? lines[j]!.replace(/^\t+/, '') : lines[j]!;
        lines[j] = '#';
        if (l === name) {
          closed = true;
          j++;
          break;
        }
        body.push(l);
      }
      if (!closed) throw new TspodError(`line ${i + 1}: here-document "${name}" is not closed: end it with a line "${name}"`);
      docs.push({ name, body: body.length ? `${body.join('\n')}\n` : '', raw: raw.join('\n'), expand: !quote });
    }
    if (docs.length) {
      byLine.set(i + 1, docs);
      // the parser reads here-documents itself when it sees a marker: it sees a placeholder word instead
      let n = 0;
      lines[i] = line.replace(heredocMarker, (m, _d, _q, _n, at: number) => {
        const before = line.slice(0, at);
        if ((before.split('"').length - 1) % 2 === 1 || (before.split("'").length - 1) % 2 === 1) return m;
        const token = `TSPODHEREDOC${n}X`;
        docs[n++]!.marker = [token, m];
        return token;
      });
    }
  }
  return { text: lines.join('\n'), byLine };
}

export function parseContainerfile(content: string, file: string): ParsedFile {
  const { text, byLine } = extractHeredocs(content);
  const ast = DockerfileParser.parse(text);
  const out: ParsedFile = { globalArgs: [], stages: [] };
  for (const raw of ast.getInstructions() as unknown as AstInstruction[]) {
    const keyword = raw.getKeyword().toUpperCase();
    const args = (raw.getArgumentsContent() ?? '').trim();
    const flags: Record<string, string> = {};
    const flagList: Array<[string, string]> = [];
    let flagText = '';
    for (const f of raw.getFlags?.() ?? []) {
      flags[f.getName().toLowerCase()] = f.getValue() ?? '';
      flagList.push([f.getName().toLowerCase(), f.getValue() ?? '']);
      flagText += f.getValue() === null ? `--${f.getName().toLowerCase()} ` : `--${f.getName().toLowerCase()}=${f.getValue()} `;
    }
    const line = raw.getRange().start.line + 1;
    const heredocs = byLine.get(line) ?? [];
    let text = args;
    for (const h of heredocs) if (h.marker) text = text.replace(h.marker[0], h.marker[1]);
    const ins: Instruction = { keyword, args: text, flags, flagList, line, text: `${keyword} ${flagText}${text}`.trim(), heredocs };
    if (keyword === 'FROM') {
      const m = /^(\S+)(?:\s+as\s+(\S+))?$/i.exec(args);
      if (!m) throw new TspodError(`${file}:${ins.line}: FROM requires an image and optionally "AS name": "${args}"`);
      out.stages.push({ index: out.stages.length, name: m[2]?.toLowerCase(), from: ins, steps: [] });
    } else if (out.stages.length === 0) {
      if (keyword !== 'ARG') throw new TspodError(`${file}:${ins.line}: ${keyword} before the first FROM: only ARG may come before FROM`);
      out.globalArgs.push(ins);
    } else out.stages.at(-1)!.steps.push(ins);
  }
  if (out.stages.length === 0) throw new TspodError(`${file}: no FROM instruction: a Containerfile starts with FROM IMAGE (or FROM scratch)`);
  return out;
}

/** JSON-array form (exec form), or undefined for the shell form. */
export function jsonForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const a = JSON.parse(args) as unknown;
    if (Array.isArray(a) && a.every((x) => typeof x === 'string')) return a as string[];
  } catch {
    /* shell form */
  }
  return undefined;
}
