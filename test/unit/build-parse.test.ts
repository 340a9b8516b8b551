// tspod build's pure pieces: Docker's variable expansion and word splitting, the
// Containerfile's stages through dockerfile-ast, and the context's source rules.
// Budget: about 1 s.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { list } from 'tar';
import { expandWord, keyValues, shellWords } from '../../lib/build/expand.js';
import { jsonForm, parseContainerfile } from '../../lib/build/dockerfile.js';
import { ignoreMatcher, resolveSources, writeCopyLayer } from '../../lib/build/context.js';

const vars = new Map([['A', 'alpha'], ['EMPTY', ''], ['SP', 'x y']]);

describe('variable expansion', () => {
  it('expands $VAR, ${VAR} and the :- - :+ + forms', () => {
    expect(expandWord('$A/${A}', vars)).toBe('alpha/alpha');
    expect(expandWord('${NOPE:-def}|${EMPTY:-def}|${EMPTY-def}|${NOPE-def}', vars)).toBe('def|def||def');
    expect(expandWord('${A:+set}|${EMPTY:+set}|${EMPTY+set}|${NOPE+set}', vars)).toBe('set||set|');
    expect(expandWord('${NOPE:-${A}}', vars)).toBe('alpha');
  });
  it('keeps escapes and single quotes literal', () => {
    expect(expandWord('\\$A', vars)).toBe('$A');
    // an expanded value is one word, as Docker's lexer keeps it
    expect(shellWords(`'$A' "$A" $SP b\\ c`, vars)).toEqual(['$A', 'alpha', 'x y', 'b c']);
  });
  it('reads ENV/LABEL pairs and the old KEY VALUE form', () => {
    expect(keyValues('K1=$A K2="a b"', vars, 'ENV')).toEqual([['K1', 'alpha'], ['K2', 'a b']]);
    expect(keyValues('K some words', vars, 'ENV')).toEqual([['K', 'some words']]);
    expect(keyValues('ONLY', vars, 'ARG')).toEqual([['ONLY', undefined]]);
    expect(() => keyValues('=x', vars, 'ENV')).toThrow(/blank/);
  });
});

describe('Containerfile parsing', () => {
  it('splits stages, joins continuations and reads flags', () => {
    const p = parseContainerfile('ARG V=1\nFROM busybox AS One\nRUN echo a \\\n  b\nCOPY --from=one --chown=1:2 x /y\nFROM scratch\n', 'Containerfile');
    expect(p.globalArgs.map((i) => i.args)).toEqual(['V=1']);
    expect(p.stages.map((s) => s.name)).toEqual(['one', undefined]);
    expect(p.stages[0]!.steps[0]!.args).toMatch(/^echo a\s+b$/);
    expect(p.stages[0]!.steps[1]!.flags).toEqual({ from: 'one', chown: '1:2' });
    expect(jsonForm('["sh", "-c", "a b"]')).toEqual(['sh', '-c', 'a b']);
    expect(jsonForm('echo [x]')).toBeUndefined();
  });
  it('refuses a file without FROM and instructions before it', () => {
    expect(() => parseContainerfile('RUN true\n', 'Cf')).toThrow(/before the first FROM/);
    expect(() => parseContainerfile('# nothing\n', 'Cf')).toThrow(/no FROM/);
  });
});

describe('build context', () => {
  const ctx = mkdtempSync(join(tmpdir(), 'tspod-ctx-'));
  mkdirSync(join(ctx, 'd/sub'), { recursive: true });
  writeFileSync(join(ctx, 'f.txt'), 'f');
  writeFileSync(join(ctx, 'd/sub/g.txt'), 'g');
  symlinkSync('/etc/passwd', join(ctx, 'out'));
  symlinkSync('../../', join(ctx, 'd/up'));
  symlinkSync('f.txt', join(ctx, 'in'));

  it('refuses sources that resolve outside the context', () => {
    expect(() => resolveSources(ctx, ['../x'])).toThrow(/possible escaping context directory/);
    expect(() => resolveSources(ctx, ['out'])).toThrow(/possible escaping context directory/);
    expect(() => resolveSources(ctx, ['d/up/etc/passwd'])).toThrow(/possible escaping context directory/);
    expect(resolveSources(ctx, ['/f.txt', 'in']).map((s) => s.hosts[0])).toEqual([join(ctx, 'f.txt'), join(ctx, 'f.txt')]);
  });

  it('writes a directory\'s contents under the destination, links as links, owners as --chown', async () => {
    const tarFile = join(ctx, '..', `${ctx.split('/').pop()}.tar`);
    const fd = openSync(tarFile, 'w');
    writeCopyLayer(fd, resolveSources(ctx, ['d']), '/app/', { uid: 7, gid: 8 }, (p) => (p === '/' ? 'dir' : undefined));
    closeSync(fd);
    const seen: string[] = [];
    await list({ file: tarFile, onReadEntry: (e) => seen.push(`${e.path} ${e.type} ${e.uid}:${e.gid}`) });
    expect(seen).toEqual(['app/ Directory 7:8', 'app/sub/ Directory 7:8', 'app/sub/g.txt File 7:8', 'app/up SymbolicLink 7:8']);
    expect(readFileSync(tarFile).length).toBeGreaterThan(0);
  });

  it('reads .containerignore with Docker\'s rules: from the root, ** across directories, ! exceptions', async () => {
    const ig = mkdtempSync(join(tmpdir(), 'tspod-ign-'));
    mkdirSync(join(ig, 'secrets/deep'), { recursive: true });
    writeFileSync(join(ig, '.containerignore'), '# comment\n*.log\nsecrets\n!secrets/public.txt\n**/*.tmp\n/build?\n');
    for (const f of ['app.log', 'keep.txt', 'secrets/key', 'secrets/public.txt', 'secrets/deep/x', 'a/b/c.tmp', 'build1']) {
      mkdirSync(join(ig, f, '..'), { recursive: true });
      writeFileSync(join(ig, f), f);
    }
    const m = ignoreMatcher(ig);
    expect(['app.log', 'keep.txt', 'secrets/key', 'secrets/public.txt', 'secrets/deep/x', 'a/b/c.tmp', 'build1', 'sub/app.log'].filter(m))
      .toEqual(['app.log', 'secrets/key', 'secrets/deep/x', 'a/b/c.tmp', 'build1']);
    expect(() => resolveSources(ig, ['secrets/key'], m)).toThrow(/no such file or directory/);
    const tarFile = `${ig}.tar`;
    const fd = openSync(tarFile, 'w');
    writeCopyLayer(fd, resolveSources(ig, ['.'], m), '/c/', { uid: 0, gid: 0 }, (p) => (p === '/' ? 'dir' : undefined));
    closeSync(fd);
    const seen: string[] = [];
    await list({ file: tarFile, onReadEntry: (e) => { if (e.type === 'File') seen.push(e.path); } });
    expect(seen.sort()).toEqual(['c/.containerignore', 'c/keep.txt', 'c/secrets/public.txt']);
  });
});
