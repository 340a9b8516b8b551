// Go's text/template language for podman-style --format: lexer, parser and executor written from the
// package's documented semantics, Go's fmt printing of values, podman's extra functions and tabwriter.
import { TspodError } from './errors.js';

/** A template that fails to parse or run: exit 125 with Go's wording (podman prints it after `Error: `). */
export class TemplateError extends TspodError {
  constructor(message: string) {
    super(message, 125);
    this.name = 'TemplateError';
  }
}

// ---------------------------------------------------------------- lexer

type ItemType =
  | 'error' | 'eof' | 'text' | 'left' | 'right' | 'space' | 'field' | 'variable' | 'identifier' | 'string' | 'rawString'
  | 'charConstant' | 'number' | 'bool' | 'nil' | 'dot' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'char'
  | 'comment' | 'keyword';

interface Item { typ: ItemType; pos: number; val: string; line: number }

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{Nd}_]/u.test(c);

function itemString(i: Item): string {
  if (i.typ === 'eof') return 'EOF';
  if (i.typ === 'error') return i.val;
  if (i.typ === 'keyword') return `<${i.val}>`;
  if (i.val.length > 10) return `${goQuote(i.val.slice(0, 10))}...`;
  return goQuote(i.val);
}

/** Go's strconv.Quote for the messages and %q. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp === 7) out += '\\a';
    else if (cp === 8) out += '\\b';
    else if (cp === 12) out += '\\f';
    else if (cp === 11) out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(ch)) out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  const emit = (typ: ItemType, val = input.slice(start, pos)) => {
    items.push({ typ, pos: start, val, line: startLine });
    for (const c of input.slice(start, pos)) if (c === '\n') line++;
    start = pos;
    startLine = line;
  };
  const skip = () => {
    for (const c of input.slice(start, pos)) if (c === '\n') line++;
    start = pos;
    startLine = line;
  };
  const fail = (msg: string): Item[] => {
    items.push({ typ: 'error', pos: start, val: msg, line: startLine });
    return items;
  };
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (input.startsWith(' -}}', pos) || input.startsWith('\t-}}', pos) || input.startsWith('\r-}}', pos) || input.startsWith('\n-}}', pos)) return { delim: true, trim: true };
    return { delim: input.startsWith('}}', pos), trim: false };
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c) || '.,|:)('.includes(c)) return true;
    return input.startsWith('}', pos);
  };

  for (;;) {
    // text up to the next action
    const x = input.indexOf('{{', pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) emit('text');
      items.push({ typ: 'eof', pos, val: '', line });
      return items;
    }
    let trimLeft = false;
    const after = input[x + 2];
    if (after === '-' && isSpace(input[x + 3])) trimLeft = true;
    pos = x;
    if (pos > start) {
      let text = input.slice(start, pos);
      if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
      emit('text', text);
    }
    pos = x + 2 + (trimLeft ? 2 : 0);
    // a comment fills the whole action
    if (input.startsWith('/*', pos)) {
      const end = input.indexOf('*/', pos + 2);
      if (end < 0) return fail('unclosed comment');
      pos = end + 2;
      const r = atRightDelim();
      if (!r.delim) return fail('comment ends before closing delimiter');
      pos += r.trim ? 4 : 2;
      skip();
      if (r.trim) {
        while (isSpace(input[pos])) pos++;
        skip();
      }
      continue;
    }
    emit('left', '{{');
    // inside the action
    for (;;) {
      const r = atRightDelim();
      if (r.delim) {
        if (r.trim) {
          pos++;
          skip();
        }
        pos += r.trim ? 3 : 2;
        emit('right', '}}');
        if (r.trim) {
          while (isSpace(input[pos])) pos++;
          skip();
        }
        parenDepth = 0;
        break;
      }
      const c = input[pos];
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        while (isSpace(input[pos]) && !atRightDelim().trim) pos++;
        if (pos === start) pos++; // a lone space before " -}}" handled above
        emit('space');
        continue;
      }
      pos++;
      if (c === '=') emit('assign');
      else if (c === ':') {
        if (input[pos] !== '=') return fail('expected :=');
        pos++;
        emit('declare');
      } else if (c === '|') emit('pipe');
      else if (c === '"') {
        for (;;) {
          const d = input[pos++];
          if (d === '\\') {
            if (input[pos] === undefined || input[pos] === '\n') return fail('unterminated quoted string');
            pos++;
          } else if (d === undefined || d === '\n') return fail('unterminated quoted string');
          else if (d === '"') break;
        }
        emit('string');
      } else if (c === '`') {
        const end = input.indexOf('`', pos);
        if (end < 0) return fail('unterminated raw quoted string');
        pos = end + 1;
        emit('rawString');
      } else if (c === '$' || (c === '.' && !(input[pos]! >= '0' && input[pos]! <= '9'))) {
        if (c === '.' && atTerminator()) {
          emit('dot');
          continue;
        }
        while (isAlnum(input[pos])) pos++;
        if (!atTerminator()) return fail(`bad character ${goRune(input[pos]!)}`);
        emit(c === '$' ? 'variable' : 'field');
      } else if (c === "'") {
        for (;;) {
          const d = input[pos++];
          if (d === '\\') {
            if (input[pos] === undefined || input[pos] === '\n') return fail('unterminated character constant');
            pos++;
          } else if (d === undefined || d === '\n') return fail('unterminated character constant');
          else if (d === "'") break;
        }
        emit('charConstant');
      } else if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        pos--;
        const m = /^[+-]?(0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*([pP][+-]?[0-9_]+)?|0[oObB][0-9_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/.exec(input.slice(pos))!;
        pos += Math.max(m[0].length, 1);
        if (isAlnum(input[pos])) {
          pos++;
          return fail(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
        }
        emit('number');
      } else if (isAlnum(c)) {
        while (isAlnum(input[pos])) pos++;
        if (!atTerminator()) return fail(`bad character ${goRune(input[pos]!)}`);
        const word = input.slice(start, pos);
        if (KEYWORDS.has(word)) emit('keyword');
        else if (word === 'true' || word === 'false') emit('bool');
        else if (word === 'nil') emit('nil');
        else emit('identifier');
      } else if (c === '(') {
        parenDepth++;
        emit('lparen');
      } else if (c === ')') {
        parenDepth--;
        emit('rparen');
      } else if (c <= '\x7f' && c >= ' ') emit('char');
      else return fail(`unrecognized character in action: ${goRune(c)}`);
    }
  }
}

function goRune(c: string): string {
  const cp = c.codePointAt(0)!;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

// ---------------------------------------------------------------- parse tree

interface ControlNode { kind: 'if' | 'with' | 'range'; pos: number; line: number; pipe: Pipe; list: Node[]; elseList?: Node[] }
interface EndMark { kind: 'end' | 'else'; item: Item; elseIf?: boolean }
type Node =
  | { kind: 'text'; pos: number; text: string }
  | { kind: 'action'; pos: number; line: number; pipe: Pipe }
  | ControlNode
  | { kind: 'template'; pos: number; line: number; name: string; pipe?: Pipe }
  | { kind: 'break' | 'continue'; pos: number; line: number };

interface Pipe { pos: number; decl: string[]; isAssign: boolean; cmds: Command[] }
interface Command { pos: number; args: Arg[] }
type Arg =
  | { kind: 'field'; pos: number; idents: string[] }
  | { kind: 'variable'; pos: number; name: string; idents: string[] }
  | { kind: 'chain'; pos: number; node: Arg; idents: string[] }
  | { kind: 'identifier'; pos: number; name: string }
  | { kind: 'dot' | 'nil'; pos: number }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'number'; pos: number; text: string; value: number; isInt: boolean }
  | { kind: 'string'; pos: number; quoted: string; value: string }
  | { kind: 'pipe'; pos: number; pipe: Pipe };

const isEndMark = (n: Node | EndMark): n is EndMark => n.kind === 'end' || n.kind === 'else';

function argString(a: Arg): string {
  switch (a.kind) {
    case 'field': return '.' + a.idents.join('.');
    case 'variable': return [a.name, ...a.idents].join('.');
    case 'chain': return `${a.node.kind === 'pipe' ? `(${pipeString(a.node.pipe)})` : argString(a.node)}.${a.idents.join('.')}`;
    case 'identifier': return a.name;
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'bool': return String(a.value);
    case 'number': return a.text;
    case 'string': return a.quoted;
    case 'pipe': return `(${pipeString(a.pipe)})`;
  }
}
const cmdString = (c: Command): string => c.args.map((a) => (a.kind === 'pipe' ? `(${pipeString(a.pipe)})` : argString(a))).join(' ');
function pipeString(p: Pipe): string {
  const decl = p.decl.length ? `${p.decl.join(', ')} ${p.isAssign ? '=' : ':='} ` : '';
  return decl + p.cmds.map(cmdString).join(' | ');
}

function unquote(q: string): string {
  if (q.startsWith('`')) return q.slice(1, -1).replace(/\r/g, '');
  const body = q.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i]!;
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };
    if (e in simple) out += simple[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw new Error('invalid syntax');
      const cp = parseInt(hex, 16);
      // \x is a byte in Go; bytes >= 0x80 have no JS string equivalent, take the code point
      out += String.fromCodePoint(cp);
      i += n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error('invalid syntax');
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else throw new Error('invalid syntax');
  }
  return out;
}

function parseNumber(text: string): { value: number; isInt: boolean } | undefined {
  if (text.endsWith('i')) return undefined;
  const t = text.replace(/_/g, '');
  const neg = t.startsWith('-');
  const u = t.replace(/^[+-]/, '');
  let v: number;
  let isInt = true;
  if (/^0[xX][0-9a-fA-F]+$/.test(u)) v = parseInt(u.slice(2), 16);
  else if (/^0[oO][0-7]+$/.test(u)) v = parseInt(u.slice(2), 8);
  else if (/^0[bB][01]+$/.test(u)) v = parseInt(u.slice(2), 2);
  else if (/^0[0-7]*$/.test(u)) v = parseInt(u, 8);
  else if (/^[1-9][0-9]*$/.test(u)) v = parseInt(u, 10);
  else if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(u)) {
    v = Number(u);
    isInt = Number.isInteger(v);
  } else return undefined;
  return { value: neg ? -v : v, isInt };
}

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  readonly defs = new Map<string, Node[]>();

  constructor(private readonly items: Item[], private readonly name: string, private readonly funcs: ReadonlySet<string>) {}

  private fail(msg: string, item: Item = this.items[Math.max(0, this.i - 1)]!): never {
    throw new TemplateError(`template: ${this.name}:${item.line}: ${msg}`);
  }
  private next(): Item {
    const it = this.items[this.i]!;
    if (it.typ === 'error') this.fail(it.val, it);
    if (this.i < this.items.length - 1) this.i++;
    return it;
  }
  private peek(): Item {
    const it = this.items[this.i]!;
    if (it.typ === 'error') this.fail(it.val, it);
    return it;
  }
  private nextNonSpace(): Item {
    let t = this.next();
    while (t.typ === 'space') t = this.next();
    return t;
  }
  private peekNonSpace(): Item {
    const save = this.i;
    const t = this.nextNonSpace();
    this.i = save;
    return t;
  }
  private expect(typ: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== typ) this.unexpected(t, context);
    return t;
  }
  private unexpected(t: Item, context: string): never {
    if (t.typ === 'error') this.fail(t.val, t);
    this.fail(`unexpected ${itemString(t)} in ${context}`, t);
  }

  parse(): Node[] {
    const root: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (t.typ === 'eof') return root;
      if (t.typ === 'left') {
        const save = this.i;
        this.next();
        const k = this.nextNonSpace();
        if (k.typ === 'keyword' && k.val === 'define') {
          this.definition();
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (isEndMark(n)) this.fail(`unexpected ${n.kind === 'end' ? '{{end}}' : '{{else}}'}`, n.item);
      root.push(n);
    }
  }

  private definition(): void {
    const context = 'define clause';
    const nameTok = this.nextNonSpace();
    if (nameTok.typ !== 'string' && nameTok.typ !== 'rawString') this.unexpected(nameTok, context);
    const name = this.unquoteItem(nameTok);
    this.expect('right', context);
    const saved = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    this.vars = saved;
    if (end.kind !== 'end') this.fail(`unexpected ${'{{else}}'} in ${context}`, end.item);
    this.defs.set(name, list);
  }

  private itemList(): [Node[], EndMark] {
    const list: Node[] = [];
    for (;;) {
      if (this.peekNonSpace().typ === 'eof') this.fail('unexpected EOF', this.peek());
      const n = this.textOrAction();
      if (isEndMark(n)) return [list, n];
      list.push(n);
    }
  }

  private textOrAction(): Node | EndMark {
    const t = this.nextNonSpace();
    if (t.typ === 'text') return { kind: 'text', pos: t.pos, text: t.val };
    if (t.typ === 'left') return this.action(t);
    this.unexpected(t, 'input');
  }

  private action(left: Item): Node | EndMark {
    const t = this.nextNonSpace();
    if (t.typ === 'keyword') {
      switch (t.val) {
        case 'block': return this.blockControl(t);
        case 'break':
        case 'continue': {
          if (this.rangeDepth === 0) this.fail(`{{${t.val}}} outside {{range}}`, t);
          this.expect('right', t.val);
          return { kind: t.val, pos: t.pos, line: t.line };
        }
        case 'else': {
          const p = this.peekNonSpace();
          if (p.typ === 'keyword' && (p.val === 'if' || p.val === 'with')) return { kind: 'else', item: p, elseIf: true };
          this.expect('right', 'else');
          return { kind: 'else', item: t };
        }
        case 'end':
          this.expect('right', 'end');
          return { kind: 'end', item: t };
        case 'if':
        case 'range':
        case 'with':
          return this.control(t.val, t);
        case 'template': return this.templateControl(t);
        case 'define': this.fail('unexpected <define> in command', t);
      }
    }
    this.i--;
    const pipe = this.pipeline('command', 'right');
    return { kind: 'action', pos: left.pos, line: left.line, pipe };
  }

  private control(context: 'if' | 'range' | 'with', kw: Item): Node {
    const nvars = this.vars.length;
    const pipe = this.pipeline(context, 'right');
    if (context === 'range') this.rangeDepth++;
    let [list, next] = this.itemList();
    if (context === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (next.kind === 'else') {
      if (next.elseIf && context !== 'range') {
        // {{else if ...}} / {{else with ...}}: an if/with nested in the else branch that shares our {{end}}
        const k = this.nextNonSpace();
        elseList = [this.control(k.val as 'if' | 'with', k)];
        next = { kind: 'end', item: k };
      } else {
        if (next.elseIf) this.unexpected(this.nextNonSpace(), 'input');
        [elseList, next] = this.itemList();
        if (next.kind !== 'end') this.fail('expected end; found {{else}}', next.item);
      }
    }
    this.vars.length = nvars;
    return { kind: context, pos: pipe.pos, line: kw.line, pipe, list, elseList };
  }

  private unquoteItem(t: Item): string {
    try {
      return unquote(t.val);
    } catch {
      this.fail(`invalid syntax: ${t.val}`, t);
    }
  }

  private templateControl(kw: Item): Node {
    const context = 'template clause';
    const tok = this.nextNonSpace();
    if (tok.typ !== 'string' && tok.typ !== 'rawString') this.unexpected(tok, context);
    const name = this.unquoteItem(tok);
    let pipe: Pipe | undefined;
    if (this.nextNonSpace().typ !== 'right') {
      this.i--;
      pipe = this.pipeline(context, 'right');
    }
    return { kind: 'template', pos: tok.pos, line: kw.line, name, pipe };
  }

  private blockControl(kw: Item): Node {
    const context = 'block clause';
    const tok = this.nextNonSpace();
    if (tok.typ !== 'string' && tok.typ !== 'rawString') this.unexpected(tok, context);
    const name = this.unquoteItem(tok);
    const pipe = this.pipeline(context, 'right');
    const saved = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    this.vars = saved;
    if (end.kind !== 'end') this.fail('unexpected {{else}} in block clause', end.item);
    this.defs.set(name, list);
    return { kind: 'template', pos: tok.pos, line: kw.line, name, pipe };
  }

  private pipeline(context: string, end: ItemType): Pipe {
    const first = this.peekNonSpace();
    const pipe: Pipe = { pos: first.pos, decl: [], isAssign: false, cmds: [] };
    // declarations: $x := / $x = / $i, $e :=
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== 'variable') break;
      const save = this.i;
      this.nextNonSpace();
      const nxt = this.peekNonSpace();
      if (nxt.typ === 'assign' || nxt.typ === 'declare') {
        this.nextNonSpace();
        pipe.isAssign = nxt.typ === 'assign';
        pipe.decl.push(v.val);
        if (pipe.isAssign) {
          if (!this.vars.includes(v.val)) this.fail(`undefined variable "${v.val}"`, v);
        } else this.vars.push(v.val);
        break;
      }
      if (nxt.typ === 'char' && nxt.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace();
          if (p.typ === 'variable') continue;
          this.fail('range can only initialize variables', p);
        }
        this.fail(`too many declarations in ${context}`, nxt);
      }
      this.i = save;
      break;
    }
    if (pipe.decl.length === 2 && pipe.isAssign === false) {
      // both range variables are declared at once
      for (const d of pipe.decl) if (!this.vars.includes(d)) this.vars.push(d);
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.typ === end) {
        if (!pipe.cmds.length) this.fail(`missing value for ${context}`, t);
        pipe.cmds.forEach((c, i) => {
          if (i === 0) return;
          const a = c.args[0]!;
          if (!['identifier', 'field', 'chain', 'variable'].includes(a.kind)) this.fail(`non executable command in pipeline stage ${i + 1}`, t);
        });
        return pipe;
      }
      if (['bool', 'charConstant', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'lparen'].includes(t.typ)) {
        this.i--;
        pipe.cmds.push(this.command());
      } else this.unexpected(t, context);
    }
  }

  private command(): Command {
    const cmd: Command = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      while (this.peek().typ === 'space') this.next();
      const op = this.operand();
      if (op) cmd.args.push(op);
      const t = this.next();
      if (t.typ === 'space') continue;
      if (t.typ === 'right' || t.typ === 'rparen') this.i--;
      else if (t.typ !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (!cmd.args.length) this.fail('empty command');
    return cmd;
  }

  private operand(): Arg | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().typ === 'field') {
      const idents: string[] = [];
      const pos = this.peek().pos;
      while (this.peek().typ === 'field') idents.push(...this.next().val.slice(1).split('.'));
      switch (node.kind) {
        // Go positions a chained field at its second part
        case 'field': return { kind: 'field', pos, idents: [...node.idents, ...idents] };
        case 'variable': return { kind: 'variable', pos, name: node.name, idents: [...node.idents, ...idents] };
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.fail(`unexpected . after term ${goQuote(argString(node))}`);
        default:
          return { kind: 'chain', pos, node, idents };
      }
    }
    return node;
  }

  private term(): Arg | undefined {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case 'identifier':
        if (!this.funcs.has(t.val)) this.fail(`function ${goQuote(t.val)} not defined`, t);
        return { kind: 'identifier', pos: t.pos, name: t.val };
      case 'dot': return { kind: 'dot', pos: t.pos };
      case 'nil': return { kind: 'nil', pos: t.pos };
      case 'variable': {
        const [name, ...idents] = t.val.split('.');
        if (!this.vars.includes(name!)) this.fail(`undefined variable ${goQuote(name!)}`, t);
        return { kind: 'variable', pos: t.pos, name: name!, idents };
      }
      case 'field': return { kind: 'field', pos: t.pos, idents: t.val.slice(1).split('.') };
      case 'bool': return { kind: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant': {
        let s: string;
        try {
          s = unquote(`"${t.val.slice(1, -1).replace(/"/g, '\\"')}"`);
        } catch {
          this.fail(`malformed character constant: ${t.val}`, t);
        }
        if ([...s].length !== 1) this.fail(`malformed character constant: ${t.val}`, t);
        return { kind: 'number', pos: t.pos, text: t.val, value: s.codePointAt(0)!, isInt: true };
      }
      case 'number': {
        const n = parseNumber(t.val);
        if (!n) this.fail(`${t.val.endsWith('i') ? 'complex numbers are not supported' : `illegal number syntax: ${goQuote(t.val)}`}`, t);
        return { kind: 'number', pos: t.pos, text: t.val, ...n };
      }
      case 'string':
      case 'rawString':
        return { kind: 'string', pos: t.pos, quoted: t.val, value: this.unquoteItem(t) };
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rparen');
        return { kind: 'pipe', pos: t.pos, pipe };
      }
    }
    this.i--;
    while (this.i > 0 && this.items[this.i]!.typ === 'space' && this.items[this.i - 1]!.typ === 'space') this.i--;
    return undefined;
  }
}

// ---------------------------------------------------------------- functions

/** A template function: gets evaluated arguments, returns a value or throws an Error (Go's "error calling"). */
export interface TemplateFunc {
  (...args: unknown[]): unknown;
}
/** Argument types checked like Go's reflect-based call: 'any', 'string', 'int', '[]string'. */
type ParamType = 'any' | 'string' | 'int' | '[]string' | 'bool';
interface FuncDef { params: ParamType[]; variadic?: ParamType; fn: TemplateFunc }

const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

function truth(v: unknown, ctx?: TypeCtx): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v) ? true : false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Date) return true;
  if (typeof v === 'object' && isMapValue(v, ctx)) return Object.keys(v).length > 0;
  return true;
}

function basicKind(v: unknown): 'bool' | 'number' | 'string' | 'nil' | 'other' {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'string') return 'string';
  return 'other';
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (!rest.length) throw new Error('missing argument for comparison');
  const ka = basicKind(a);
  for (const b of rest) {
    const kb = basicKind(b);
    let same = false;
    if (ka === 'nil' || kb === 'nil') same = ka === kb;
    else if (ka !== kb) throw new Error('incompatible types for comparison');
    else if (ka === 'other') throw new Error(`non-comparable type ${printValue(b, 'v', {})}: ${goTypeName(b)}`);
    else same = a === b;
    if (same) return true;
  }
  return false;
}

function lessThan(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'nil' || ka === 'other' || ka === 'bool' || kb === 'nil' || kb === 'other' || kb === 'bool') {
    if (ka !== kb && ka !== 'other' && kb !== 'other' && ka !== 'nil' && kb !== 'nil') throw new Error('incompatible types for comparison');
    throw new Error('invalid type for comparison');
  }
  if (ka !== kb) throw new Error('incompatible types for comparison');
  return (a as number | string) < (b as number | string);
}

function toIndex(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`cannot index slice/array with type ${goTypeName(v)}`);
  return v;
}

function indexFn(ctx: TypeCtx, item: unknown, ...indexes: unknown[]): unknown {
  let cur = item;
  if (cur === undefined || cur === null) throw new Error('index of untyped nil');
  for (const ix of indexes) {
    if (typeof cur === 'string') {
      const i = toIndex(ix);
      const bytes = Buffer.from(cur);
      if (i < 0 || i >= bytes.length) throw new Error(`index out of range: ${i}`);
      cur = bytes[i];
    } else if (Array.isArray(cur)) {
      const i = toIndex(ix);
      if (i < 0 || i >= cur.length) throw new Error(`index out of range: ${i}`);
      cur = cur[i];
    } else if (cur && typeof cur === 'object' && !(cur instanceof Date) && isMapValue(cur, ctx)) {
      if (typeof ix !== 'string') throw new Error(`value has type ${goTypeName(ix)}; should be string`);
      const obj = cur as Record<string, unknown>;
      if (Object.prototype.hasOwnProperty.call(obj, ix)) cur = obj[ix];
      else cur = Object.values(obj).every((x) => typeof x === 'string') ? '' : null; // the map's zero value
    } else if (cur === undefined || cur === null) throw new Error('index of untyped nil');
    else throw new Error(`can't index item of type ${goTypeName(cur)}`);
  }
  return cur;
}

function sliceFn(item: unknown, ...idx: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (idx.length > 3) throw new Error(`too many slice indexes: ${idx.length}`);
  const len = typeof item === 'string' ? Buffer.byteLength(item) : Array.isArray(item) ? item.length : -1;
  if (len < 0) throw new Error(`can't slice item of type ${goTypeName(item)}`);
  if (typeof item === 'string' && idx.length === 3) throw new Error('cannot 3-index slice a string');
  const n = idx.map(toIndex);
  for (const i of n) if (i < 0 || i > len) throw new Error(`index out of range: ${i}`);
  const [lo = 0, hi = len] = n;
  if (lo > hi) throw new Error(`invalid slice index: ${lo} > ${hi}`);
  if (n.length === 3 && n[2]! < hi) throw new Error(`invalid slice index: ${hi} > ${n[2]}`);
  return typeof item === 'string' ? Buffer.from(item).subarray(lo, hi).toString() : (item as unknown[]).slice(lo, hi);
}

function lenFn(ctx: TypeCtx, item: unknown): number {
  if (typeof item === 'string') return Buffer.byteLength(item);
  if (Array.isArray(item)) return item.length;
  if (item && typeof item === 'object' && !(item instanceof Date) && isMapValue(item, ctx)) return Object.keys(item).length;
  if (item === undefined || item === null) throw new Error('len of nil pointer');
  throw new Error(`len of type ${goTypeName(item)}`);
}

/** strings.Title: upper-case the first letter of each word (words split at anything but letters, digits, _ and '). */
function title(s: string): string {
  // Go's isSeparator: ASCII letters, digits and _ join words, other ASCII separates; beyond ASCII only letters, digits and spaces count
  const isSep = (r: string) => (r <= '\x7f' ? !/[0-9A-Za-z_]/.test(r) : !/[\p{L}\p{Nd}]/u.test(r) && /\s/u.test(r));
  let prev = ' ';
  let out = '';
  for (const c of s) {
    out += isSep(prev) ? c.toUpperCase() : c;
    prev = c;
  }
  return out;
}

const htmlEscape = (s: string) => s.replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!);

/** The built-in functions of text/template and podman's report functions. */
function builtins(ctx: TypeCtx): Map<string, FuncDef> {
  const m = new Map<string, FuncDef>();
  const def = (name: string, params: ParamType[], fn: TemplateFunc, variadic?: ParamType) => m.set(name, { params, fn, variadic });
  // and/or/not/eq...: and/or are special-cased in exec for short-circuiting
  def('and', ['any'], () => undefined, 'any');
  def('or', ['any'], () => undefined, 'any');
  def('not', ['any'], (a) => !truth(a, ctx));
  def('eq', ['any'], (a, ...r) => eq(a, ...r), 'any');
  def('ne', ['any', 'any'], (a, b) => !eq(a, b));
  def('lt', ['any', 'any'], (a, b) => lessThan(a, b));
  def('le', ['any', 'any'], (a, b) => lessThan(a, b) || eq(a, b));
  def('gt', ['any', 'any'], (a, b) => !lessThan(a, b) && !eq(a, b));
  def('ge', ['any', 'any'], (a, b) => !lessThan(a, b));
  def('index', ['any'], (a, ...r) => indexFn(ctx, a, ...r), 'any');
  def('slice', ['any'], (a, ...r) => sliceFn(a, ...r), 'any');
  def('len', ['any'], (a) => lenFn(ctx, a));
  def('print', [], (...a) => goSprint(a, ctx), 'any');
  def('printf', ['string'], (f, ...a) => sprintfCtx(ctx, f as string, a), 'any');
  def('println', [], (...a) => goSprintln(a, ctx), 'any');
  def('html', [], (...a) => htmlEscape(a.length === 1 && typeof a[0] === 'string' ? a[0] : goSprint(a)), 'any');
  def('urlquery', [], (...a) => encodeURIComponent(a.length === 1 && typeof a[0] === 'string' ? a[0] : goSprint(a)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`), 'any');
  def('js', [], (...a) => (a.length === 1 && typeof a[0] === 'string' ? a[0] : goSprint(a)).replace(/[\\'"<>&=\n\r\t]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!), 'any');
  def('call', ['any'], () => {
    throw new Error('call of nil');
  }, 'any');
  // podman's report package
  def('json', ['any'], (v) => jsonOf(v, ctx));
  def('upper', ['string'], (s) => (s as string).toUpperCase());
  def('lower', ['string'], (s) => (s as string).toLowerCase());
  def('title', ['string'], (s) => title(s as string));
  def('join', ['[]string', 'string'], (a, sep) => (a as string[]).join(sep as string));
  def('split', ['string', 'string'], (s, sep) => (sep === '' ? [...(s as string)] : (s as string).split(sep as string)));
  def('truncate', ['string', 'int'], (s, n) => ((s as string).length < (n as number) ? s : (s as string).slice(0, Math.max(0, n as number))));
  def('pad', ['string', 'int', 'int'], (s, p, q) => (s === '' ? '' : ' '.repeat(Math.max(0, p as number)) + (s as string) + ' '.repeat(Math.max(0, q as number))));
  return m;
}

// ---------------------------------------------------------------- execution

export interface TemplateOptions {
  /** the template's name in messages (podman names it after the verb: ps, images, inspect, version) */
  name?: string;
  /** Go type name of the data's root struct, for "can't evaluate field X in type T" */
  typeName?: string;
  /** field names whose object values are Go maps (missing keys print <no value>) rather than structs */
  mapFields?: Iterable<string>;
  /** extra functions (all arguments untyped) */
  funcs?: Record<string, TemplateFunc>;
}

/** Labels and friends: maps in podman's Go structs. */
export const DEFAULT_MAP_FIELDS = ['Labels', 'Annotations', 'PortBindings', 'Ports', 'ExposedPorts', 'Volumes', 'Options', 'DriverOpts', 'Sysctls', 'StorageOpt', 'Tmpfs', 'Networks', 'GraphOptions', 'GraphStatus'];

interface Scope { name: string; value: unknown }

export class Template {
  private readonly root: Node[];
  private readonly defs: Map<string, Node[]>;
  private readonly funcs: Map<string, FuncDef>;
  readonly name: string;
  private readonly ctx: TypeCtx;

  constructor(private readonly text: string, opts: TemplateOptions = {}) {
    this.name = opts.name ?? 'template';
    // a map field is known by its Go name and by its JSON name (Labels / labels)
    const mapFields = [...(opts.mapFields ?? DEFAULT_MAP_FIELDS)];
    this.ctx = { mapFields: new Set([...mapFields, ...mapFields.map((f) => f[0]!.toLowerCase() + f.slice(1))]), rootType: opts.typeName ?? 'struct', maps: new WeakSet() };
    this.funcs = builtins(this.ctx);
    for (const [k, fn] of Object.entries(opts.funcs ?? {})) this.funcs.set(k, { params: [], variadic: 'any', fn });
    const p = new Parser(lex(text), this.name, new Set(this.funcs.keys()));
    this.root = p.parse();
    this.defs = p.defs;
  }

  /** Runs the template on data; throws TemplateError with Go's wording. */
  execute(data: unknown): string {
    const st = new ExecState(this, data);
    try {
      st.walkList(data, this.root);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      if (e === BREAK || e === CONTINUE) throw new TemplateError(`template: ${this.name}: break/continue outside range`);
      if (e instanceof RangeError) throw new TemplateError(`template: ${this.name}: ${e.message}`);
      throw e;
    }
    return st.out.join('');
  }

  /** @internal */ get internals(): { text: string; defs: Map<string, Node[]>; funcs: Map<string, FuncDef>; ctx: TypeCtx } {
    return { text: this.text, defs: this.defs, funcs: this.funcs, ctx: this.ctx };
  }
}

const MAX_DEPTH = 1000;

class ExecState {
  out: string[] = [];
  private vars: Scope[];
  private node: { pos: number; str: string } = { pos: 0, str: '' };
  private depth = 0;
  private readonly i;
  private readonly rows: Set<unknown>;

  constructor(private readonly t: Template, root: unknown) {
    this.vars = [{ name: '$', value: root }];
    this.i = t.internals;
    // podman ranges over a list of rows: each row is of the root type named in messages
    this.rows = new Set(Array.isArray(root) ? root : [root]);
  }

  private at(pos: number, str: string): void {
    this.node = { pos, str };
  }

  private fail(msg: string): never {
    const text = this.i.text.slice(0, this.node.pos);
    const nl = text.lastIndexOf('\n');
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    const col = nl < 0 ? Buffer.byteLength(text) : Buffer.byteLength(text.slice(nl + 1));
    throw new TemplateError(`template: ${this.t.name}:${line}:${col}: executing "${this.t.name}" at <${this.node.str}>: ${msg}`);
  }

  private print(v: unknown): string {
    return printValue(v, 'v', this.i.ctx);
  }

  walkList(dot: unknown, list: Node[]): void {
    for (const n of list) this.walk(dot, n);
  }

  private walk(dot: unknown, n: Node): void {
    switch (n.kind) {
      case 'text':
        this.out.push(n.text);
        return;
      case 'action': {
        const v = this.evalPipeline(dot, n.pipe);
        if (!n.pipe.decl.length) this.out.push(this.print(v));
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, n.pipe);
        if (truth(v, this.i.ctx)) this.walkList(n.kind === 'with' ? v : dot, n.list);
        else if (n.elseList) this.walkList(dot, n.elseList);
        this.vars.length = mark;
        return;
      }
      case 'range':
        return this.walkRange(dot, n);
      case 'template': {
        this.at(n.pos, `{{template ${goQuote(n.name)}${n.pipe ? ' ' + pipeString(n.pipe) : ''}}}`);
        const body = this.i.defs.get(n.name);
        if (!body) this.fail(`template ${goQuote(n.name)} not defined`);
        if (++this.depth > MAX_DEPTH) this.fail(`exceeded maximum template depth (${MAX_DEPTH})`);
        const newDot = n.pipe ? this.evalPipeline(dot, n.pipe) : undefined;
        const saved = this.vars;
        this.vars = [{ name: '$', value: newDot }];
        try {
          this.walkList(newDot, body);
        } finally {
          this.vars = saved;
          this.depth--;
        }
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
    }
  }

  private walkRange(dot: unknown, n: ControlNode): void {
    const mark = this.vars.length;
    const v = this.evalPipeline(dot, n.pipe);
    this.vars.length = mark; // the pipeline's own declarations are set per element below
    const one = (key: unknown, elem: unknown): boolean => {
      if (n.pipe.decl.length) {
        const single = n.pipe.decl.length === 1;
        if (n.pipe.isAssign) {
          this.setVar(n.pipe.decl[0]!, single ? elem : key);
          if (!single) this.setVar(n.pipe.decl[1]!, elem);
        } else {
          this.vars.push({ name: n.pipe.decl[0]!, value: single ? elem : key });
          if (!single) this.vars.push({ name: n.pipe.decl[1]!, value: elem });
        }
      }
      try {
        this.walkList(elem, n.list);
      } catch (e) {
        if (e === BREAK) return false;
        if (e !== CONTINUE) throw e;
      } finally {
        this.vars.length = mark;
      }
      return true;
    };
    let any = false;
    if (Array.isArray(v)) {
      for (let k = 0; k < v.length; k++) {
        any = true;
        if (!one(k, v[k])) break;
      }
    } else if (v && typeof v === 'object' && !(v instanceof Date) && isMapValue(v, this.i.ctx)) {
      const obj = v as Record<string, unknown>;
      for (const k of Object.keys(obj).sort(goCompare)) {
        any = true;
        if (!one(k, this.noteMap(k, obj[k]))) break;
      }
    } else if (v !== undefined && v !== null) {
      this.fail(`range can't iterate over ${this.print(v)}`);
    }
    if (!any && n.elseList) this.walkList(dot, n.elseList);
  }

  private setVar(name: string, value: unknown): void {
    for (let k = this.vars.length - 1; k >= 0; k--) {
      if (this.vars[k]!.name === name) {
        this.vars[k]!.value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }

  private getVar(name: string): unknown {
    for (let k = this.vars.length - 1; k >= 0; k--) if (this.vars[k]!.name === name) return this.vars[k]!.value;
    this.fail(`undefined variable: ${name}`);
  }

  private evalPipeline(dot: unknown, p: Pipe): unknown {
    let v: unknown = undefined;
    let final = false;
    for (const c of p.cmds) {
      v = this.evalCommand(dot, c, final ? { v } : undefined);
      final = true;
    }
    if (p.decl.length) {
      if (p.isAssign) this.setVar(p.decl[0]!, v);
      else this.vars.push({ name: p.decl[0]!, value: v });
    }
    return v;
  }

  private evalCommand(dot: unknown, c: Command, final?: { v: unknown }): unknown {
    const first = c.args[0]!;
    this.at(first.pos, cmdString(c));
    switch (first.kind) {
      case 'field': return this.evalFieldChain(dot, dot, first, first.idents, c.args, final);
      case 'chain': {
        const base = this.evalArg(dot, first.node);
        return this.evalFieldChain(dot, base, first, first.idents, c.args, final);
      }
      case 'identifier': return this.evalFunction(dot, first.name, c, final);
      case 'pipe': {
        this.notAFunction(c.args, final);
        return this.evalPipeline(dot, first.pipe);
      }
      case 'variable': {
        const v = this.getVar(first.name);
        if (!first.idents.length) {
          this.notAFunction(c.args, final);
          return v;
        }
        return this.evalFieldChain(dot, v, first, first.idents, c.args, final);
      }
    }
    this.at(first.pos, argString(first));
    this.notAFunction(c.args, final);
    switch (first.kind) {
      case 'bool': return first.value;
      case 'dot': return dot;
      case 'nil': this.fail('nil is not a command');
      case 'number': return first.value;
      case 'string': return first.value;
    }
    return undefined;
  }

  private notAFunction(args: Arg[], final?: { v: unknown }): void {
    if (args.length > 1 || final) this.fail(`can't give argument to non-function ${argString(args[0]!)}`);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: Arg, idents: string[], args: Arg[], final?: { v: unknown }): unknown {
    this.at(node.pos, argString(node));
    let cur = receiver;
    const n = idents.length;
    for (let k = 0; k < n - 1; k++) cur = this.evalField(cur, idents[k]!, false);
    return this.evalField(cur, idents[n - 1]!, args.length > 1 || final !== undefined);
  }

  /** Go's evalField on a JS value: structs error on unknown fields, maps give <no value>. */
  private evalField(receiver: unknown, name: string, hasArgs: boolean): unknown {
    if (receiver === undefined) return undefined;
    if (receiver === null) this.fail(`nil pointer evaluating interface {}.${name}`);
    if (typeof receiver === 'object' && !Array.isArray(receiver) && !(receiver instanceof Date)) {
      const obj = receiver as Record<string, unknown>;
      if (isMapValue(obj, this.i.ctx)) {
        if (hasArgs) this.fail(`${name} is not a method but has arguments`);
        return Object.prototype.hasOwnProperty.call(obj, name) ? this.noteMap(name, obj[name]) : undefined;
      }
      const key = structKey(obj, name);
      if (key !== undefined) {
        if (hasArgs) this.fail(`${name} has arguments but cannot be invoked as function`);
        const v = obj[key];
        return v === undefined ? null : this.noteMap(name, v);
      }
    }
    this.fail(`can't evaluate field ${name} in type ${goTypeName(receiver, this.i.ctx, this.rows.has(receiver))}`);
  }

  /** Objects reached through a map field name (Labels...) are maps. */
  private noteMap(field: string, v: unknown): unknown {
    if (v && typeof v === 'object' && !Array.isArray(v) && this.i.ctx.mapFields.has(field)) this.i.ctx.maps.add(v);
    return v;
  }

  private evalArg(dot: unknown, a: Arg): unknown {
    this.at(a.pos, argString(a));
    switch (a.kind) {
      case 'dot': return dot;
      case 'nil': return null;
      case 'bool': return a.value;
      case 'number': return a.value;
      case 'string': return a.value;
      case 'field': return this.evalFieldChain(dot, dot, a, a.idents, [a]);
      case 'variable': {
        const v = this.getVar(a.name);
        return a.idents.length ? this.evalFieldChain(dot, v, a, a.idents, [a]) : v;
      }
      case 'chain': return this.evalFieldChain(dot, this.evalArg(dot, a.node), a, a.idents, [a]);
      case 'pipe': return this.evalPipeline(dot, a.pipe);
      case 'identifier': {
        const cmd: Command = { pos: a.pos, args: [a] };
        return this.evalFunction(dot, a.name, cmd, undefined);
      }
    }
  }

  private evalTyped(dot: unknown, a: Arg, typ: ParamType): unknown {
    if (typ === 'string' && (a.kind === 'number' || a.kind === 'bool' || a.kind === 'nil')) {
      this.at(a.pos, argString(a));
      this.fail(`expected string; found ${argString(a)}`);
    }
    if (typ === 'int' && (a.kind === 'string' || a.kind === 'bool' || a.kind === 'nil' || (a.kind === 'number' && !a.isInt))) {
      this.at(a.pos, argString(a));
      this.fail(`expected integer; found ${argString(a)}`);
    }
    const v = this.evalArg(dot, a);
    return this.checkType(v, typ);
  }

  private checkType(v: unknown, typ: ParamType): unknown {
    const ok = typ === 'any'
      || (typ === 'string' && typeof v === 'string')
      || (typ === 'int' && typeof v === 'number' && Number.isInteger(v))
      || (typ === 'bool' && typeof v === 'boolean')
      || (typ === '[]string' && Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (ok) return v;
    if (v === undefined) this.fail(`invalid value; expected ${typ}`);
    this.fail(`wrong type for value; expected ${typ}; got ${goTypeName(v, this.i.ctx)}`);
  }

  private evalFunction(dot: unknown, name: string, cmd: Command, final?: { v: unknown }): unknown {
    const def = this.i.funcs.get(name)!;
    const args = cmd.args.slice(1);
    const given = args.length + (final ? 1 : 0);
    const fixed = def.params.length;
    if (def.variadic ? given < fixed : given !== fixed) {
      this.at(cmd.args[0]!.pos, name);
      this.fail(`wrong number of args for ${name}: want ${def.variadic ? 'at least ' : ''}${fixed} got ${given}`);
    }
    const str = cmdString(cmd);
    if (name === 'and' || name === 'or') {
      // short-circuit: the first argument that decides is the result
      let v: unknown;
      const all = [...args.map((a) => () => this.evalArg(dot, a)), ...(final ? [() => final.v] : [])];
      for (const get of all) {
        v = get();
        if (truth(v, this.i.ctx) === (name === 'or')) return v;
      }
      return v;
    }
    const values: unknown[] = [];
    args.forEach((a, k) => values.push(this.evalTyped(dot, a, def.params[k] ?? def.variadic ?? 'any')));
    if (final) values.push(this.checkType(final.v, def.params[args.length] ?? def.variadic ?? 'any'));
    this.at(cmd.pos, str);
    try {
      return def.fn(...values);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      this.fail(`error calling ${name}: ${(e as Error).message}`);
    }
  }
}

/**
 * The key of a struct field: tspod's objects carry podman's JSON names, so Go's field Name may be
 * stored as Name, as its JSON tag name (camelCase "graphRoot" for GraphRoot, snake_case "created_by"
 * for CreatedBy), and ID as "Id". Only exported (upper-case) names are fields, as in Go.
 */
function structKey(obj: Record<string, unknown>, name: string): string | undefined {
  if (!/^\p{Lu}/u.test(name)) return undefined;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(obj, k);
  if (has(name)) return name;
  if (name === 'ID' && has('Id')) return 'Id';
  const camel = name.replace(/^\p{Lu}+(?=\p{Lu}\p{Ll}|$)|^\p{Lu}/u, (m) => m.toLowerCase());
  if (has(camel)) return camel;
  const snake = name.replace(/(\p{Ll}|\p{Nd})(\p{Lu})/gu, '$1_$2').toLowerCase();
  if (has(snake)) return snake;
  return undefined;
}

/** Go sorts map keys of basic types in their natural order. */
function goCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parses a template (Go's text/template syntax); throws TemplateError on a syntax error. */
export function parseTemplate(text: string, opts: TemplateOptions = {}): Template {
  return new Template(text, opts);
}

// ---------------------------------------------------------------- podman's --format conventions

/** podman's `--format json` and `{{json .}}` both mean "the whole list as JSON". */
export function isJsonFormat(format: string): boolean {
  return /^\s*(json|\{\{\s*json\s*\.?\s*\}\})\s*$/.test(format);
}

/** podman's NormalizeFormat: drop "table ", `\t` and `\n` escapes become tab and newline, end with a newline. */
export function normalizeFormat(format: string): { text: string; table: boolean } {
  const table = format.startsWith('table ');
  let text = table ? format.slice(6) : format;
  text = text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  // podman's table mode aligns cells: every space (even in literals) separates columns
  if (table) text = text.replace(/ /g, '\t');
  if (!text.endsWith('\n')) text += '\n';
  return { text, table };
}

/** Header names for a table: podman upper-cases the field name and splits CamelCase words. */
export function defaultHeader(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toUpperCase();
}

// ---------------------------------------------------------------- the older API, kept for callers

export interface Compiled {
  table: boolean;
  render(value: unknown): string;
  header(): string;
}

/**
 * One template for one object at a time (inspect, info, version): `table ` adds a header row built
 * from the field names; the result has no trailing newline.
 */
export function compileTemplate(src: string, opts: TemplateOptions = {}): Compiled {
  const table = src.startsWith('table ');
  const raw = table ? src.slice(6) : src;
  let text = raw.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  let t: Template;
  try {
    t = parseTemplate(text, opts);
  } catch (err) {
    // as podman: when expanding the escapes breaks the template ({{printf "\n"}}), take it as given
    if (!(err instanceof TemplateError) || text === raw) throw err;
    t = parseTemplate(raw, opts);
    text = raw;
  }
  return {
    table,
    render: (value) => t.execute(value),
    header: () => t.execute(headerData(text)),
  };
}

/** A map of each top-level field the template names to its header, for executing the header row. */
export function headerData(text: string, overrides: Record<string, string> = {}): Record<string, string> {
  const data: Record<string, string> = {};
  for (const m of text.matchAll(/(?<![\w$)\]])\.([\p{L}_][\p{L}\p{Nd}_]*)/gu)) data[m[1]!] = overrides[m[1]!] ?? defaultHeader(m[1]!);
  return markMap(data);
}

// ---------------------------------------------------------------- Go values and fmt

/**
 * How a plain JS object maps onto Go: a struct (fixed fields: an unknown field is an error, printed
 * as {v1 v2}) or a map (a missing key is <no value>, printed as map[k:v] in key order). An object is a
 * map when marked with markMap(), reached through a field named in mapFields (Labels...), has a null
 * prototype, or has a key that is not an identifier (dots, slashes, dashes: "org.label", "80/tcp").
 */
export interface TypeCtx { mapFields: ReadonlySet<string>; rootType: string; maps: WeakSet<object> }

const MARKED = new WeakSet<object>();
/** Declares obj a Go map (missing keys print <no value>, printed as map[...]). */
export function markMap<T extends object>(obj: T): T {
  MARKED.add(obj);
  return obj;
}

const GO_IDENT = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;
export function isMapValue(v: object, ctx?: TypeCtx): boolean {
  if (MARKED.has(v) || ctx?.maps.has(v) || Object.getPrototypeOf(v) === null) return true;
  return Object.keys(v).some((k) => !GO_IDENT.test(k));
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** A Go-looking type name for messages: string, int, float64, []string, map[string]string, time.Time. */
export function goTypeName(v: unknown, ctx?: TypeCtx, isRoot = false): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'bigint') return 'int64';
  if (v instanceof Date) return 'time.Time';
  const common = (xs: unknown[]): string => {
    const names = new Set(xs.map((x) => goTypeName(x, ctx)));
    return names.size === 1 && !names.has('<nil>') ? [...names][0]! : xs.length ? 'interface {}' : 'string';
  };
  if (Array.isArray(v)) return `[]${common(v)}`;
  if (isPlainObject(v) && isMapValue(v, ctx)) return `map[string]${common(Object.values(v))}`;
  return isRoot && ctx ? ctx.rootType : 'struct';
}

const pad2 = (n: number) => String(n).padStart(2, '0');
/** time.Time.String(): 2006-01-02 15:04:05.999999999 +0000 UTC */
export function goTime(d: Date): string {
  if (Number.isNaN(d.getTime())) return '0001-01-01 00:00:00 +0000 UTC';
  const ms = d.getUTCMilliseconds();
  const frac = ms ? `.${String(ms).padStart(3, '0').replace(/0+$/, '')}` : '';
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${frac} +0000 UTC`;
}

/** Decimal digits and decimal-point position of |x|, as strconv does before formatting. */
function digitsOf(x: number, sig?: number): { d: string; dp: number } {
  if (x === 0) return { d: '', dp: 0 };
  if (sig === undefined) {
    const [mant, exp] = Math.abs(x).toExponential().split('e');
    return { d: mant!.replace('.', '').replace(/0+$/, '') || '0', dp: Number(exp) + 1 };
  }
  // strconv rounds the exact decimal value half to even (2.5 -> "2"); JS's toFixed rounds ties up
  const [mant, exp] = Math.abs(x).toExponential(100).split('e');
  const all = mant!.replace('.', '');
  let dp = Number(exp) + 1;
  if (sig <= 0) {
    const up = sig === 0 && (all[0]! > '5' || (all[0] === '5' && /[1-9]/.test(all.slice(1))));
    return up ? { d: '1', dp: dp + 1 } : { d: '', dp };
  }
  let head = all.slice(0, sig).padEnd(sig, '0');
  const tail = all.slice(sig);
  const up = tail[0] !== undefined && (tail[0] > '5' || (tail[0] === '5' && (/[1-9]/.test(tail.slice(1)) || Number(head[head.length - 1]) % 2 === 1)));
  if (up) {
    const n = (BigInt(head) + 1n).toString();
    if (n.length > head.length) {
      dp++;
      head = n.slice(0, sig);
    } else head = n.padStart(sig, '0');
  }
  return { d: head, dp };
}
function fmtE(d: string, dp: number, prec: number, e: string): string {
  let out = d[0] ?? '0';
  if (prec > 0) out += '.' + d.slice(1, 1 + prec).padEnd(prec, '0');
  const exp = d === '' ? 0 : dp - 1;
  return `${out}${e}${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}
function fmtF(d: string, dp: number, prec: number): string {
  let out = dp > 0 ? d.slice(0, dp).padEnd(dp, '0') : '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) out += d[dp + i] ?? '0';
  }
  return out;
}
/** strconv.FormatFloat for 'e', 'f', 'g' (upper-case variants via upper), prec -1 = shortest. */
export function goFloat(x: number, verb: 'e' | 'f' | 'g', prec: number, upper = false): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0) ? '-' : '';
  const e = upper ? 'E' : 'e';
  let body: string;
  if (verb === 'e') {
    const { d, dp } = digitsOf(x, prec < 0 ? undefined : prec + 1);
    body = fmtE(d, dp, prec < 0 ? Math.max(d.length - 1, 0) : prec, e);
  } else if (verb === 'f') {
    if (prec < 0) {
      const { d, dp } = digitsOf(x);
      body = fmtF(d, dp, Math.max(d.length - dp, 0));
    } else {
      // the digits up to prec places after the point (a carry adds one in front; fmtF pads with zeros)
      const dp0 = x === 0 ? 0 : Number(Math.abs(x).toExponential(100).split('e')[1]) + 1;
      const r = digitsOf(x, dp0 + prec);
      body = fmtF(r.d, r.dp, prec);
    }
  } else {
    const shortest = prec < 0;
    let p = prec === 0 ? 1 : prec;
    let { d, dp } = digitsOf(x, shortest ? undefined : p);
    d = d.replace(/0+$/, '');
    if (shortest) p = d.length;
    let eprec = p;
    if (eprec > d.length && d.length >= dp) eprec = d.length;
    if (shortest) eprec = 6;
    const exp = d === '' ? 0 : dp - 1;
    if (exp < -4 || exp >= eprec) body = fmtE(d, dp, Math.min(p, d.length) - 1, e);
    else body = d === '' ? '0' : fmtF(d, dp, Math.max((p > dp ? d.length : p) - dp, 0));
  }
  return neg + body;
}

function goInt(v: number | bigint): string {
  return typeof v === 'bigint' || Math.abs(v) >= 1e21 ? BigInt(v).toString() : String(v);
}

/** fmt's %v (and friends applied element-wise) for one value. */
export function printValue(v: unknown, verb: string, ctx: Partial<TypeCtx>, top = true, plus = false): string {
  const c = ctx as TypeCtx;
  if (v === undefined) return top ? '<no value>' : '<nil>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isInteger(v) ? goInt(v) : goFloat(v, 'g', -1);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return goTime(v);
  if (Array.isArray(v)) return `[${v.map((x) => printValue(x, verb, ctx, false, plus)).join(' ')}]`;
  if (typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    if (isMapValue(obj, ctx.maps ? c : undefined)) {
      return `map[${Object.keys(obj).sort(goCompare).map((k) => `${k}:${printValue(noteMapIn(c, k, obj[k]), verb, ctx, false, plus)}`).join(' ')}]`;
    }
    return `{${Object.entries(obj).map(([k, x]) => `${plus ? k + ':' : ''}${printValue(noteMapIn(c, k, x), verb, ctx, false, plus)}`).join(' ')}}`;
  }
  return String(v);
}
function noteMapIn(ctx: TypeCtx | undefined, field: string, v: unknown): unknown {
  if (ctx?.mapFields && ctx.maps && isPlainObject(v) && ctx.mapFields.has(field)) ctx.maps.add(v);
  return v;
}

const needsSpace = (v: unknown) => typeof v !== 'string';
/** fmt.Sprint: a space between operands when neither is a string. */
export function goSprint(args: unknown[], ctx: Partial<TypeCtx> = {}): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && needsSpace(a) && needsSpace(args[i - 1])) out += ' ';
    out += printValue(a ?? null, 'v', ctx, false);
  });
  return out;
}
/** fmt.Sprintln: spaces between all operands and a newline. */
export function goSprintln(args: unknown[], ctx: Partial<TypeCtx> = {}): string {
  return args.map((a) => printValue(a ?? null, 'v', ctx, false)).join(' ') + '\n';
}

interface Spec { minus: boolean; plus: boolean; sharp: boolean; space: boolean; zero: boolean; width?: number; prec?: number }

function padTo(s: string, sp: Spec, numeric = false): string {
  const w = sp.width ?? 0;
  const len = [...s].length;
  if (len >= w) return s;
  if (sp.minus) return s + ' '.repeat(w - len);
  if (sp.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(w - len) + s.slice(sign.length);
  }
  return ' '.repeat(w - len) + s;
}

function badVerb(verb: string, v: unknown, ctx: Partial<TypeCtx>): string {
  if (v === undefined || v === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v, ctx as TypeCtx)}=${printValue(v, 'v', ctx, false)})`;
}

function fmtOne(verb: string, v: unknown, sp: Spec, ctx: Partial<TypeCtx>): string {
  if (verb === 'T') return padTo(v === undefined || v === null ? '<nil>' : goTypeName(v, ctx as TypeCtx), sp);
  if (v === undefined || v === null) return verb === 'v' ? padTo('<nil>', sp) : badVerb(verb, v, ctx);
  if (typeof v === 'boolean') return verb === 't' || verb === 'v' ? padTo(String(v), sp) : badVerb(verb, v, ctx);
  if (typeof v === 'number' || typeof v === 'bigint') {
    const isInt = typeof v === 'bigint' || Number.isInteger(v);
    const num = Number(v);
    // %+v means field names, not signs
    const sign = (s: string) => (s.startsWith('-') ? s : sp.plus && verb !== 'v' ? '+' + s : sp.space ? ' ' + s : s);
    if ('eEfFgG'.includes(verb) || (verb === 'v' && !isInt)) {
      const lower = verb.toLowerCase() as 'e' | 'f' | 'g' | 'v';
      const s = goFloat(num, lower === 'v' ? 'g' : lower, sp.prec ?? (lower === 'g' || lower === 'v' ? -1 : 6), verb === 'E' || verb === 'G');
      return padTo(sign(s), sp, true);
    }
    if (!isInt) return badVerb(verb, v, ctx);
    const big = BigInt(v);
    const abs = big < 0n ? -big : big;
    const minus = big < 0n ? '-' : '';
    let digits: string;
    switch (verb) {
      case 'd':
      case 'v': digits = abs.toString(); break;
      case 'b': digits = abs.toString(2); break;
      case 'o': digits = (sp.sharp ? '0' : '') + abs.toString(8); break;
      case 'O': digits = '0o' + abs.toString(8); break;
      case 'x': digits = (sp.sharp ? '0x' : '') + abs.toString(16); break;
      case 'X': digits = (sp.sharp ? '0X' : '') + abs.toString(16).toUpperCase(); break;
      case 'c': return padTo(String.fromCodePoint(Number(abs)), sp);
      case 'q': return padTo(`'${goQuote(String.fromCodePoint(Number(abs))).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`, sp);
      case 'U': {
        const u = `U+${abs.toString(16).toUpperCase().padStart(4, '0')}`;
        return padTo(sp.sharp ? `${u} '${String.fromCodePoint(Number(abs))}'` : u, sp);
      }
      default: return badVerb(verb, v, ctx);
    }
    if (sp.prec !== undefined) digits = digits.padStart(sp.prec, '0');
    return padTo(sign(minus + digits), sp, sp.prec === undefined);
  }
  if (typeof v === 'string') {
    const cut = (s: string) => (sp.prec !== undefined ? [...s].slice(0, sp.prec).join('') : s);
    switch (verb) {
      case 's':
      case 'v': return padTo(cut(v), sp);
      case 'q': return padTo(sp.sharp && !/[`\p{Cc}]/u.test(v) ? '`' + cut(v) + '`' : goQuote(cut(v)), sp);
      case 'x':
      case 'X': {
        let bytes = Buffer.from(v);
        if (sp.prec !== undefined) bytes = bytes.subarray(0, sp.prec);
        const h = bytes.toString('hex');
        return padTo(verb === 'X' ? h.toUpperCase() : h, sp);
      }
      default: return badVerb(verb, v, ctx);
    }
  }
  if (v instanceof Date) return verb === 'v' || verb === 's' ? padTo(goTime(v), sp) : badVerb(verb, v, ctx);
  if (Array.isArray(v)) return `[${v.map((x) => fmtOne(verb, x, { ...sp, width: sp.width }, ctx)).join(' ')}]`;
  if (typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    const c = ctx as TypeCtx;
    if (isMapValue(obj, ctx.maps ? c : undefined)) {
      return `map[${Object.keys(obj).sort(goCompare).map((k) => `${fmtOne(verb, k, sp, ctx)}:${fmtOne(verb, noteMapIn(c, k, obj[k]), sp, ctx)}`).join(' ')}]`;
    }
    return `{${Object.entries(obj).map(([k, x]) => `${sp.plus && verb === 'v' ? k + ':' : ''}${fmtOne(verb, noteMapIn(c, k, x), sp, ctx)}`).join(' ')}}`;
  }
  return badVerb(verb, v, ctx);
}

/** fmt.Sprintf with Go's verbs, flags, width and precision (and its %!verb(type=value) complaints). */
export function goSprintf(format: string, ...args: unknown[]): string {
  return sprintfCtx({}, format, args);
}
export function sprintfCtx(ctx: Partial<TypeCtx>, format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const sp: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '-') sp.minus = true;
      else if (c === '+') sp.plus = true;
      else if (c === '#') sp.sharp = true;
      else if (c === ' ') sp.space = true;
      else if (c === '0') sp.zero = !sp.minus;
      else break;
    }
    const num = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        if (typeof a !== 'number' || !Number.isInteger(a)) {
          out += '%!(BADWIDTH)';
          return undefined;
        }
        return a;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    sp.width = num();
    if (sp.width !== undefined && sp.width < 0) {
      sp.minus = true;
      sp.width = -sp.width;
    }
    if (format[i] === '.') {
      i++;
      sp.prec = num() ?? 0;
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += fmtOne(verb, args[argi++], sp, ctx);
  }
  if (argi < args.length) out += `%!(EXTRA ${args.slice(argi).map((a) => (a === undefined || a === null ? '<nil>' : `${goTypeName(a, ctx as TypeCtx)}=${printValue(a, 'v', ctx, false)}`)).join(', ')})`;
  return out;
}

function jsonString(s: string): string {
  return '"' + s.replace(/[\u0000-\u001f"\\\u2028\u2029]/g, (c) => ({ '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '"';
}
/** encoding/json as podman's json function uses it: compact, no HTML escaping, map keys sorted. */
export function jsonOf(v: unknown, ctx?: TypeCtx, field?: string): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return jsonString(Number.isNaN(v.getTime()) ? '0001-01-01T00:00:00Z' : v.toISOString().replace(/\.000Z$/, 'Z'));
  if (Array.isArray(v)) return `[${v.map((x) => jsonOf(x, ctx)).join(',')}]`;
  if (typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(obj);
    const isMap = isMapValue(obj, ctx) || (field !== undefined && ctx?.mapFields.has(field));
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined || isMap);
    if (isMap) keys.sort(goCompare);
    return `{${keys.map((k) => `${jsonString(k)}:${jsonOf(obj[k], ctx, k)}`).join(',')}}`;
  }
  return 'null';
}

/**
 * Go's text/tabwriter (flags 0) as podman's report package sets it up: cells end at tabs; a column's
 * width is its widest cell plus padding, at least minwidth; a line's last cell is not aligned.
 */
export function tabwrite(text: string, opts: { minwidth?: number; padding?: number } = {}): string {
  const minwidth = opts.minwidth ?? 12;
  const padding = opts.padding ?? 2;
  const lines = text.split('\n').map((l) => l.split('\t'));
  const width = (s: string) => [...s].length;
  const out: string[] = [];
  const widths: number[] = [];
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const line = lines[i]!;
      out.push(line.map((c, j) => (j < widths.length && j < line.length - 1 ? c + ' '.repeat(Math.max(0, widths[j]! - width(c))) : c)).join(''));
    }
  };
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    let from = line0;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t]!.length - 1) continue;
      writeLines(from, t);
      from = t;
      let w = minwidth;
      for (; t < line1; t++) {
        const line = lines[t]!;
        if (column >= line.length - 1) break;
        w = Math.max(w, width(line[column]!) + padding);
      }
      widths.push(w);
      format(from, t);
      widths.pop();
      from = t;
    }
    writeLines(from, line1);
  };
  format(0, lines.length);
  return out.join('\n');
}
