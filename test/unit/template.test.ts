// Go text/template semantics of util/template.ts, checked against Go's documentation and against what
// podman 4.3.1 prints on this machine (the expected strings in the podman block were copied from it).
import { describe, expect, it } from 'vitest';
import { compileTemplate, goSprintf, markMap, parseTemplate, tabwrite, TemplateError, type TemplateOptions } from '../../lib/util/template.js';
import { renderList, renderObject } from '../../lib/cli/format.js';

const data = {
  ID: 'abc', Names: 'c1', Size: 5, Ratio: 1.5, On: true, Off: false, Nil: null, Empty: '',
  List: ['a', 'b'], Nums: [3, 1], Labels: { app: 'web', tier: '' }, NoLabels: markMap({}),
  State: { Status: 'running', Health: { Status: '', FailingStreak: 0, Log: [] } },
  When: new Date('2026-11-29T09:52:16.858Z'),
};
const run = (src: string, d: unknown = data, o: TemplateOptions = {}) => parseTemplate(src, o).execute(d);
const fails = (src: string, d: unknown = data, o: TemplateOptions = {}) => {
  try {
    run(src, d, o);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    expect((e as TemplateError).exitCode).toBe(125);
    return (e as Error).message;
  }
  throw new Error(`no error for ${src}`);
};

describe('actions and values', () => {
  it('prints text, fields, chains and $', () => {
    expect(run('id={{.ID}} {{.State.Status}} {{$.Names}}')).toBe('id=abc running c1');
  });
  it('prints Go values: maps sorted, structs as {v...}, slices, bools, nil, no value, floats, times', () => {
    expect(run('{{.Labels}}|{{.State.Health}}|{{.List}}|{{.On}}|{{.Nil}}|{{.Labels.nope}}|{{.Ratio}}|{{.When}}')).toBe('map[app:web tier:]|{ 0 []}|[a b]|true|<nil>|<no value>|1.5|2026-11-29 09:52:16.858 +0000 UTC');
  });
  it('field names are case-sensitive: an unknown struct field is an error, a missing map key <no value>', () => {
    expect(fails('{{.id}}', data, { name: 'ps', typeName: 'containers.psReporter' })).toBe('template: ps:1:2: executing "ps" at <.id>: can\'t evaluate field id in type containers.psReporter');
    expect(run('{{.NoLabels.x}}')).toBe('<no value>');
    expect(run('{{.Labels.x.y}}')).toBe('<no value>');
    expect(run('{{.M.x}}', { M: markMap({ A: 1 }) })).toBe('<no value>');
    expect(fails('{{.Names.foo}}')).toContain("at <.Names.foo>: can't evaluate field foo in type string");
    expect(fails('{{.Nil.X}}')).toContain('nil pointer evaluating interface {}.X');
    // tspod's objects carry podman's JSON names: Go's field GraphRoot is "graphRoot", CreatedBy "created_by", ID "Id"
    const info = { store: { graphRoot: '/x', graphOptions: {} }, History: [{ created_by: 'sh' }], Id: 'abc' };
    expect(run('{{.Store.GraphRoot}} {{(index .History 0).CreatedBy}} {{.ID}} {{.Id}} {{.Store.GraphOptions.x}} {{.Store}}', info)).toBe('/x sh abc abc <no value> {/x map[]}');
    expect(fails('{{.store}}', info)).toContain("can't evaluate field store in type struct");
  });
  it('constants: strings, raw strings, chars, numbers, bools, nil as argument', () => {
    expect(run("{{'a'}} {{0x1F}} {{1_000}} {{-3}} {{`r\\n`}} {{\"\\u00e9\\t\\\"\"}} {{true}} {{2.5}} {{0o17}} {{0b101}}")).toBe('97 31 1000 -3 r\\n é\t" true 2.5 15 5');
    expect(run('{{printf "%v" nil}}')).toBe('<nil>');
    expect(fails('{{nil}}')).toContain('nil is not a command');
  });
  it('comments and trim markers', () => {
    expect(run('a {{- /* c */ -}} b {{/* x\ny */}}c')).toBe('ab c');
    expect(run('x  {{- .ID -}}  \n y')).toBe('xabcy');
    expect(run('{{-3}}')).toBe('-3');
  });
  it('pipelines, parenthesised pipelines and chained fields on them', () => {
    expect(run('{{.ID | upper | printf "<%s>"}} {{(index .List 1) | upper}} {{(.State).Status}}')).toBe('<ABC> B running');
  });
});

describe('variables and control', () => {
  it('declares, assigns across scopes, and pops at end', () => {
    expect(run('{{$x := 1}}{{if true}}{{$x = 2}}{{$y := 3}}{{end}}{{$x}}')).toBe('2');
    expect(fails('{{if true}}{{$y := 3}}{{end}}{{$y}}')).toBe('template: template:1: undefined variable "$y"');
  });
  it('if / else if / else, with / else with / else', () => {
    const t = '{{if eq .ID "x"}}x{{else if .Size}}size{{else}}no{{end}}';
    expect(run(t)).toBe('size');
    expect(run('{{with .State}}{{.Status}}{{end}}{{with .Empty}}no{{else}}empty{{end}}')).toBe('runningempty');
    expect(run('{{with .Empty}}a{{else with .Names}}{{.}}{{end}}')).toBe('c1');
  });
  it('truthiness follows Go: empty values are false, structs are true', () => {
    expect(run('{{if .NoLabels}}1{{end}}{{if .List}}2{{end}}{{if .Size}}3{{end}}{{if .Off}}4{{end}}{{if .Nil}}5{{end}}{{if .State}}6{{end}}{{if .Labels.none}}7{{end}}')).toBe('236');
  });
  it('range over slices and maps (sorted keys), with variables, else, break and continue', () => {
    expect(run('{{range $i, $e := .List}}{{$i}}={{$e}},{{end}}')).toBe('0=a,1=b,');
    expect(run('{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}')).toBe('app=web;tier=;');
    expect(run('{{range $e := .List}}{{$e}}{{end}}')).toBe('ab');
    expect(run('{{range .NoLabels}}x{{else}}none{{end}}{{range .Nil}}x{{else}}nil{{end}}')).toBe('nonenil');
    expect(run('{{range .List}}{{if eq . "a"}}{{continue}}{{end}}{{.}}{{break}}{{end}}')).toBe('b');
    expect(fails('{{range .Names}}{{end}}')).toContain("range can't iterate over c1");
    expect(fails('{{break}}')).toBe('template: template:1: {{break}} outside {{range}}');
  });
  it('define, template and block', () => {
    expect(run('{{define "T"}}[{{.}}]{{end}}{{template "T" .ID}}{{template "T"}}{{block "B" .Size}}<{{.}}>{{end}}')).toBe('[abc][<no value>]<5>');
    expect(fails('{{template "x"}}')).toBe('template: template:1:11: executing "template" at <{{template "x"}}>: template "x" not defined');
  });
});

describe('built-in functions', () => {
  it('and/or short-circuit and return the deciding argument; not', () => {
    expect(run('{{and 1 0 2}} {{or 0 "" "x"}} {{not .Size}} {{and .Size .ID}} {{or 0 ""}}')).toBe('0 x false abc ');
    expect(run('{{or .ID .Missing}}', { ID: 'x' })).toBe('x'); // .Missing would fail if evaluated
  });
  it('eq with several arguments, ne, lt, le, gt, ge, and their errors', () => {
    expect(run('{{eq .ID "x" "abc"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}} {{eq .Labels.none "x"}}')).toBe('true true true true true false false');
    expect(fails('{{lt 1 "a"}}')).toContain('at <lt 1 "a">: error calling lt: incompatible types for comparison');
    expect(fails('{{eq .List "a"}}')).toContain('error calling eq: incompatible types for comparison');
  });
  it('index, slice, len', () => {
    expect(run('{{index .List 1}} {{index .Labels "app"}}|{{index .Labels "none"}}| {{index "AB" 1}} {{len .List}} {{len .Labels}} {{len "héllo"}} {{slice .ID 1 2}} {{slice .List 1}} {{slice .List}}')).toBe('b web|| 66 2 2 6 b [b] [a b]');
    expect(fails('{{index .List 5}}', data, { name: 'ps' })).toBe('template: ps:1:2: executing "ps" at <index .List 5>: error calling index: index out of range: 5');
    expect(fails('{{len .Size}}')).toContain('error calling len: len of type int');
  });
  it('print, println, printf', () => {
    expect(run('{{print 1 2 "a" "b" 3}}|{{println "x" 1}}|{{printf "%s-%d" "a" 7}}')).toBe('1 2ab3|x 1\n|a-7');
    expect(run('{{html "<a&b>"}} {{urlquery "a b&c"}} {{js "it\'s"}}')).toBe('&lt;a&amp;b&gt; a+b%26c it\\\'s');
  });
  it('argument counts and types are checked like Go', () => {
    expect(fails('{{upper .Size}}')).toContain('at <.Size>: wrong type for value; expected string; got int');
    expect(fails('{{upper 3}}')).toContain('expected string; found 3');
    expect(fails('{{upper "a" "b"}}')).toContain('wrong number of args for upper: want 1 got 2');
    expect(fails('{{upper .Labels.none}}')).toContain('invalid value; expected string');
  });
});

describe("podman's functions", () => {
  it('json, upper, lower, title, join, split, truncate, pad', () => {
    expect(run('{{json .Labels}} {{json .List}} {{json .ID}} {{json .Nil}}')).toBe('{"app":"web","tier":""} ["a","b"] "abc" null');
    expect(run('{{json .}}', { B: '<&>', A: { 'z.1': 1, a: 2 }, S: { z: 1, a: 2 } })).toBe('{"B":"<&>","A":{"a":2,"z.1":1},"S":{"z":1,"a":2}}');
    expect(run('{{upper "aB"}} {{lower "aB"}} {{title "hello wide-world it\'s"}} {{join .List "-"}} {{join (split "a,b,c" ",") "+"}}')).toBe('AB ab Hello Wide-World It\'S a-b a+b+c');
    expect(run('{{truncate .Names 1}}|{{truncate .Names 9}}|{{pad .Names 2 3}}|{{pad "" 2 3}}|')).toBe('c|c1|  c1   ||');
  });
});

describe('printf verbs (fmt)', () => {
  it('matches podman 4.3.1 for a line of verbs', () => {
    expect(goSprintf('%5.2f|%-6s|%x|%q|%v|%03d|%+d|%t|%c|%U|%e|%g|%8.3s|%%|%X|%o|%b', 3.14159, 'ab', 'hi', 'q"', 1.5, 7, 5, true, 65, 65, 12345.678, 0.000012, 'abcdef', 255, 8, 5))
      .toBe(' 3.14|ab    |6869|"q\\""|1.5|007|+5|true|A|U+0041|1.234568e+04|1.2e-05|     abc|%|FF|10|101');
  });
  it('complains the Go way', () => {
    expect(goSprintf('%d %s', 'x', 3)).toBe('%!d(string=x) %!s(int=3)');
    expect(goSprintf('%s %d')).toBe('%!s(MISSING) %!d(MISSING)');
    expect(goSprintf('%z %s', 1, null)).toBe('%!z(int=1) %!s(<nil>)');
    expect(goSprintf('%d', 1, 'a')).toBe('1%!(EXTRA string=a)');
  });
  it('rounds half to even on the exact value, as strconv does', () => {
    expect(goSprintf('%.0f %.2f %.1f %.0f %.3e %.2f %.2f %.1f %.0e %.3f %.2f %.1f', 2.5, 0.125, 0.05, 3.5, 1234.5, 1.005, 999.999, 0.95, 15, 0.0005, -0.001, 9.96))
      .toBe('2 0.12 0.1 4 1.234e+03 1.00 1000.00 0.9 2e+01 0.001 -0.00 10.0');
  });
  it('widths, precision and %v of composite values', () => {
    expect(goSprintf('[%6d|%-6d|%06.2f|%.3e|%10.4g|%x|%#x|%5t|%*d]', 42, 42, 3.14159, 1234.56, 3.14159265, 'hi', 255, true, 4, 7)).toBe('[    42|42    |003.14|1.235e+03|     3.142|6869|0xff| true|   7]');
    expect(goSprintf('%v %+v %d', { A: 1, B: 'x' }, { A: 1, B: 'x' }, [1, 2])).toBe('{1 x} {A:1 B:x} [1 2]');
    expect(goSprintf('%v %v %v %g', 1e21, 123456789.5, 0.00001, 100000000)).toBe('1000000000000000000000 1.234567895e+08 1e-05 1e+08');
  });
});

describe('parse errors have Go wording', () => {
  const cases: Array<[string, string]> = [
    ['{{', 'unclosed action'],
    ['{{.ID', 'unclosed action'],
    ['{{if .ID}}x', 'unexpected EOF'],
    ['{{end}}', 'unexpected {{end}}'],
    ['{{else}}', 'unexpected {{else}}'],
    ['{{.ID | nofunc}}', 'function "nofunc" not defined'],
    ['{{$x}}', 'undefined variable "$x"'],
    ['{{.ID )', 'unexpected ")" in command'],
    ['{{/* c */ }}x', 'comment ends before closing delimiter'],
    ['{{/* c', 'unclosed comment'],
    ['{{if}}', 'missing value for if'],
    ['{{"abc}}', 'unterminated quoted string'],
    ['{{.ID | "x"}}', 'non executable command in pipeline stage 2'],
    ['{{3x}}', 'bad number syntax: "3x"'],
    ['{{range $a, $b, $c := .List}}{{end}}', 'too many declarations in range'],
  ];
  it.each(cases)('%s', (src, msg) => {
    expect(fails(src, data, { name: 'ps' })).toBe(`template: ps:1: ${msg}`);
  });
  it('counts lines', () => {
    expect(fails('a\nb\n{{end}}')).toBe('template: template:3: unexpected {{end}}');
    expect(fails('a\n  {{.XYZ}}', data, { typeName: 'T' })).toBe('template: template:2:4: executing "template" at <.XYZ>: can\'t evaluate field XYZ in type T');
  });
});

describe('tabwriter and podman list formatting', () => {
  const rows = [
    { ID: '9e9a0ff5a27f', Names: 'c1', Labels: { app: 'web', 'org.tspod.image': 'busybox', tier: '' } },
    { ID: '6350f81f1439', Names: 'longername-container2', Labels: { 'org.tspod.image': 'busybox' } },
  ];
  it('aligns tab-separated cells (minwidth 12, padding 2), the last cell unpadded', () => {
    expect(tabwrite('A\tB\tC\nlonger-than-12\tb\t\n')).toBe('A               B           C\nlonger-than-12  b           \n');
  });
  it('table: headers from podman names, spaces become columns (podman 4.3.1 output)', () => {
    expect(renderList(rows, 'table {{.ID}}\\t{{.Names}}', { verb: 'ps' })).toBe('CONTAINER ID  NAMES\n9e9a0ff5a27f  c1\n6350f81f1439  longername-container2\n');
    expect(renderList(rows, 'table {{.Names}} {{"lit"}} {{json .Labels}}', { verb: 'ps' })).toBe(
      'NAMES                  lit         "LABELS"\nc1                     lit         {"app":"web","org.tspod.image":"busybox","tier":""}\nlongername-container2  lit         {"org.tspod.image":"busybox"}\n');
    expect(renderList(rows, 'table {{.ID | upper}}\\t{{.Names}}', { verb: 'ps' })).toBe('CONTAINER ID  NAMES\n9E9A0FF5A27F  c1\n6350F81F1439  longername-container2\n');
  });
  it('rows end in a newline that -}} can trim; a user range is kept', () => {
    expect(renderList(rows, '{{.Names -}}', { verb: 'ps' })).toBe('c1longername-container2');
    expect(renderList(rows, '{{range .}}{{.Names}}{{end}}', { verb: 'ps' })).toBe('c1longername-container2\n');
    expect(renderList(rows, '{{.Names}}{{"\\n"}}', { verb: 'ps' })).toBe('c1\nlongername-container2\n');
    expect(renderList(rows, '{{.Names}}\\n\\n', { verb: 'ps' })).toBe('c1\n\nlongername-container2\n\n');
    expect(renderList(rows, '{{.Names}}\\t{{.ID}}', { verb: 'ps' })).toBe('c1\t9e9a0ff5a27f\nlongername-container2\t6350f81f1439\n');
    expect(renderList(rows, '{{.Labels.foo}}|{{.Labels.app}}', { verb: 'ps' })).toBe('<no value>|web\n<no value>|<no value>\n');
  });
  it("errors carry podman's positions (the format sits after {{range .}})", () => {
    const err = (f: string) => {
      try {
        renderList(rows, f, { verb: 'ps' });
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err('{{.XYZ}}')).toBe('template: ps:1:13: executing "ps" at <.XYZ>: can\'t evaluate field XYZ in type containers.psReporter');
    expect(err('{{.Names.foo}}')).toBe('template: ps:1:19: executing "ps" at <.Names.foo>: can\'t evaluate field foo in type string');
    expect(err('{{index .Names 5}}')).toBe('template: ps:1:13: executing "ps" at <index .Names 5>: error calling index: index out of range: 5');
    expect(err('{{template "x"}}')).toBe('template: ps:1:22: executing "ps" at <{{template "x"}}>: template "x" not defined');
    expect(err('table {{.ID}} {{.Names}} {{.Labels.app}}')).toBe('template: ps:1:39: executing "ps" at <.Labels.app>: can\'t evaluate field app in type string');
    // parse errors: podman re-parses the text as given (no escapes, no added newline) and reports that
    expect(err('{{end}}')).toBe('template: ps:1: unexpected {{end}}');
    expect(err('{{')).toBe('template: ps:1: unexpected "{" in command');
    expect(err('{{.Names')).toBe("template: ps:1: bad character U+007B '{'");
    expect(err('{{.Names}}{{if true}}')).toBe('template: ps:1: unexpected EOF');
    expect(err('{{.Names}}\n{{if true}}')).toBe('template: ps:2: unexpected EOF');
  });
  it('compileTemplate (inspect, info, version) expands escapes unless that breaks the template', () => {
    expect(compileTemplate('{{.A}}\\t{{.B}}').render({ A: 1, B: 2 })).toBe('1\t2');
    expect(compileTemplate('{{printf "%s\\n" .A}}').render({ A: 'x' })).toBe('x\n');
    expect(() => compileTemplate('{{.A', { name: 'inspect' })).toThrow('template: inspect:1: unclosed action');
  });
  it('one object (version, info) without range', () => {
    expect(renderObject({ Client: { Version: '1.0' } }, '{{.Client.Version}}', { verb: 'version' })).toBe('1.0\n');
  });
  it('parses once and runs 50 rows', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ ID: `id${i}`, Names: `n${i}`, Labels: {} }));
    expect(renderList(many, 'table {{.ID}} {{.Names}}', { verb: 'ps' }).split('\n')).toHaveLength(52);
  });
});
