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

export function parseContainerfile(content: string, file: string): ParsedFile {
  const ast = DockerfileParser.parse(content);
  const out: ParsedFile = { globalArgs: [], stages: [] };
  for (const raw of ast.getInstructions() as unknown as AstInstruction[]) {
    const keyword = raw.getKeyword().toUpperCase();
    const args = (raw.getArgumentsContent() ?? '').trim();
    const flags: Record<string, string> = {};
    for (const f of raw.getFlags?.() ?? []) flags[f.getName().toLowerCase()] = f.getValue() ?? '';
    const flagText = Object.entries(flags).map(([k, v]) => `--${k}=${v} `).join('');
    const ins: Instruction = { keyword, args, flags, line: raw.getRange().start.line + 1, text: `${keyword} ${flagText}${args}`.trim() };
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
