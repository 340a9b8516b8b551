// Docker's variable expansion and word splitting for Containerfile instructions:
// $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:+alt}, ${VAR+alt}; quotes
// ('...' literal, "..." expanded) and backslash escapes, as Docker's shell lexer.
import { TspodError } from '../util/errors.js';

export type Vars = ReadonlyMap<string, string>;

/** Split TEXT into words (unquoted whitespace separates), expanding variables. */
export function shellWords(text: string, vars: Vars): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === '\\' && i + 1 < text.length) {
      cur += text[i + 1];
      i += 2;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new TspodError(`unexpected end of statement while looking for matching single-quote in "${text}"`);
      cur += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length && ['"', '\\', '$'].includes(text[i + 1]!)) {
          cur += text[i + 1];
          i += 2;
        } else if (text[i] === '$') {
          const r = variable(text, i, vars);
          cur += r.value;
          i = r.next;
        } else cur += text[i++];
      }
      if (i >= text.length) throw new TspodError(`unexpected end of statement while looking for matching double-quote in "${text}"`);
      i++;
    } else if (c === '$') {
      const r = variable(text, i, vars);
      cur += r.value;
      i = r.next;
    } else {
      cur += c;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Expand variables in one word with no word splitting (quotes removed as the lexer does). */
export function expandWord(text: string, vars: Vars): string {
  return shellWords(text.replace(/\s/g, (s) => `\\${s}`), vars).join(' ');
}

function variable(text: string, i: number, vars: Vars): { value: string; next: number } {
  // text[i] === '$'
  if (text[i + 1] === '{') {
    const end = matchingBrace(text, i + 2);
    if (end < 0) throw new TspodError(`missing '}' in "${text}"`);
    const body = text.slice(i + 2, end);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([\s\S]*))?$/.exec(body);
    if (!m) throw new TspodError(`bad substitution "\${${body}}" in "${text}"`);
    const [, name, op, word = ''] = m as unknown as [string, string, string | undefined, string | undefined];
    const v = vars.get(name);
    let value: string;
    if (!op) value = v ?? '';
    else if (op === ':-') value = v ? v : expandWord(word, vars);
    else if (op === '-') value = v !== undefined ? v : expandWord(word, vars);
    else if (op === ':+') value = v ? expandWord(word, vars) : '';
    else value = v !== undefined ? expandWord(word, vars) : '';
    return { value, next: end + 1 };
  }
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
  if (!m) return { value: '$', next: i + 1 };
  return { value: vars.get(m[0]) ?? '', next: i + 1 + m[0].length };
}

function matchingBrace(text: string, from: number): number {
  let depth = 1;
  for (let j = from; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '{') depth++;
    else if (text[j] === '}' && --depth === 0) return j;
  }
  return -1;
}

/** KEY=VALUE pairs (several) or the old "KEY VALUE" form, as ENV, LABEL and ARG take them. */
export function keyValues(text: string, vars: Vars, what: string): Array<[string, string | undefined]> {
  const words = shellWords(text, vars);
  const first = words[0];
  if (first === undefined) throw new TspodError(`${what} requires at least one argument`);
  if (!first.includes('=') && what !== 'ARG') {
    const sp = text.trim().search(/\s/);
    if (sp < 0) throw new TspodError(`${what} names can not be blank: ${what} ${first} needs a value (${what} KEY=VALUE)`);
    return [[first, expandWord(text.trim().slice(sp).trim(), vars)]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq === 0) throw new TspodError(`${what} names can not be blank: "${w}"`);
    if (eq < 0) {
      if (what !== 'ARG') throw new TspodError(`syntax error - can't find = in "${w}". Must be of the form: name=value`);
      return [w, undefined];
    }
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** Expand variables in free text (a here-document), keeping its spacing and quotes; `\\$` is a literal `$`. */
export function expandText(text: string, vars: Vars): string {
  let out = '';
  for (let i = 0; i < text.length;) {
    if (text[i] === '\\' && text[i + 1] === '$') {
      out += '$';
      i += 2;
    } else if (text[i] === '$') {
      const r = variable(text, i, vars);
      out += r.value;
      i = r.next;
    } else out += text[i++];
  }
  return out;
}
