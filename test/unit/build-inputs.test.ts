// tspod build's inputs and merges, pure or on temporary files: here-documents and
// instruction flags as parsed, free-text expansion, --build-arg-file, --secret,
// --build-context, durations, --ignorefile, and the layer merge behind --squash
// and --output (whiteouts and opaque directories).
// Budget: about 1 s.
import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { list } from 'tar';
import { parseContainerfile } from '../../lib/build/dockerfile.js';
import { expandText } from '../../lib/build/expand.js';
import { buildArgsFrom, parseBuildContexts, parseDuration, parseSecrets } from '../../lib/build/inputs.js';
import { ignoreMatcher, resolveSources, writeCopyLayer } from '../../lib/build/context.js';
import { mergeLayers } from '../../lib/build/squash.js';
import { rawTar, type RawEntry } from '../integration/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tspod-build-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('here-documents and flags', () => {
  it('takes here-document lines out of the file and keeps them by instruction', () => {
    const p = parseContainerfile([
      'FROM busybox',
      'RUN <<EOF',
      'echo one',
      'RUN not an instruction',
      'EOF',
      'COPY <<a <<"b" /dir/',
      'text $X',
      'a',
      'literal $X',
      'b',
      'RUN <<-END cat',
      '\t\tindented',
      '\tEND',
      'RUN echo "a<<b" and more',
      'CMD ["true"]',
    ].join('\n'), 'Containerfile');
    const steps = p.stages[0]!.steps;
    expect(steps.map((s) => s.text)).toEqual(['RUN <<EOF', 'COPY <<a <<"b" /dir/', 'RUN <<-END cat', 'RUN echo "a<<b" and more', 'CMD ["true"]']);
    expect(steps[0]!.heredocs).toMatchObject([{ name: 'EOF', body: 'echo one\nRUN not an instruction\n', expand: true }]);
    expect(steps[1]!.heredocs.map((h) => [h.name, h.body, h.expand])).toEqual([['a', 'text $X\n', true], ['b', 'literal $X\n', false]]);
    expect(steps[2]!.heredocs[0]!.body).toBe('indented\n');
    expect(steps[3]!.heredocs).toEqual([]);
    expect(() => parseContainerfile('FROM x\nRUN <<EOF\necho\n', 'C')).toThrow(/here-document "EOF" is not closed/);
  });

  it('keeps every flag in order (several --mount) and shows bare flags as written', () => {
    const p = parseContainerfile('FROM x\nRUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t --network=none true\nCOPY --link a b\n', 'C');
    const [run, copy] = p.stages[0]!.steps;
    expect(run!.flagList).toEqual([['mount', 'type=cache,target=/c'], ['mount', 'type=tmpfs,target=/t'], ['network', 'none']]);
    expect(copy!.text).toBe('COPY --link a b');
  });

  it('expands variables in free text, keeping spacing, quotes and \\$', () => {
    expect(expandText('a  "$X" ${Y:-d}\n\\$X', new Map([['X', 'x']]))).toBe('a  "x" d\n$X');
  });
});

describe('build inputs', () => {
  it('reads --build-arg-file, with --build-arg over it', () => {
    const f = join(dir, 'args.conf');
    writeFileSync(f, '# comment\nA=1\n\nB=two words\nFROMENV\n');
    const m = buildArgsFrom([f], ['A=3'], { FROMENV: 'e' });
    expect([...m]).toEqual([['A', '3'], ['B', 'two words'], ['FROMENV', 'e']]);
  });

  it('reads --secret files and environment variables, and refuses bad ones', () => {
    const src = join(dir, 'secret');
    writeFileSync(src, 's');
    const m = parseSecrets([`id=one,src=${src}`, 'id=two,env=TOKEN', 'id=three,type=env'], dir, { TOKEN: 't', three: 'x' });
    expect(m.get('one')).toBe(src);
    expect(readFileSync(m.get('two')!, 'utf8')).toBe('t');
    expect(readFileSync(m.get('three')!, 'utf8')).toBe('x');
    expect(() => parseSecrets(['src=/x'], dir)).toThrow(/an id is required/);
    expect(() => parseSecrets(['id=../x,src=/etc/hostname'], dir)).toThrow(/the id may hold/);
    expect(() => parseSecrets(['id=a,src=/nonexistent'], dir)).toThrow(/is not a file/);
  });

  it('reads --build-context, durations and --ignorefile', () => {
    expect([...parseBuildContexts([`extra=${dir}`, 'img=docker-image://busybox'])]).toEqual([['extra', { dir }], ['img', { image: 'busybox' }]]);
    expect(() => parseBuildContexts(['x=https://example.com/a.tar'])).toThrow(/only directories/);
    expect(parseDuration('--cache-ttl', '1h30m')).toBe(5_400_000);
    expect(parseDuration('--retry-delay', '500ms')).toBe(500);
    expect(() => parseDuration('--cache-ttl', '10')).toThrow(/use a duration/);
    writeFileSync(join(dir, 'my.ignore'), '*.txt\n!keep.txt\n');
    const ig = ignoreMatcher(dir, join(dir, 'my.ignore'));
    expect([ig('a.txt'), ig('keep.txt'), ig('a.bin')]).toEqual([true, false, false]);
    expect(() => ignoreMatcher(dir, join(dir, 'missing.ignore'))).toThrow(/--ignorefile/);
  });
});

describe('ignore files, as Docker walks the context', () => {
  it('walks an ignored directory only when an exception names something under it', async () => {
    const ctx = join(dir, 'ign');
    const files = ['test1', 'test2.txt', 'subdir1/sub1.txt', 'subdir1/sub2.txt', 'subdir1/sub3.txt', 'subdir2/sub1.txt', 'subdir2/sub2.txt', 'other'];
    for (const f of files) {
      mkdirSync(join(ctx, f, '..'), { recursive: true });
      writeFileSync(join(ctx, f), f);
    }
    writeFileSync(join(ctx, '.dockerignore'), 'test*\n!test2*\nsubdir1\nsubdir2\n!*/sub1*\n!subdir1/sub3*\n');
    const ig = ignoreMatcher(ctx);
    const out = join(dir, 'ign.tar');
    const fd = openSync(out, 'w');
    try {
      writeCopyLayer(fd, resolveSources(ctx, ['.'], ig), '/c/', { uid: 0, gid: 0 }, (p) => (p === '/' ? 'dir' : undefined));
    } finally {
      closeSync(fd);
    }
    const seen: string[] = [];
    await list({ file: out, onReadEntry: (e) => { if (e.type === 'File') seen.push(e.path); e.resume(); } });
    // subdir2/sub1.txt matches `!*/sub1*`, but no exception names subdir2/ by its text: skipped with its directory
    expect(seen.sort()).toEqual(['c/.dockerignore', 'c/other', 'c/subdir1/sub1.txt', 'c/subdir1/sub3.txt', 'c/test2.txt']);
  });
});

describe('layer merge (--squash, --squash-all, --output)', () => {
  const layer = (name: string, entries: RawEntry[]) => {
    const p = join(dir, name);
    writeFileSync(p, rawTar(entries));
    return p;
  };
  const layers = [
    layer('l0.tar', [{ path: 'a/', type: 'Directory' }, { path: 'a/f1', body: '1' }, { path: 'a/f2', body: '2' }, { path: 'b', body: 'b0' }, { path: 'd/', type: 'Directory' }, { path: 'd/in', body: 'x' }]),
    layer('l1.tar', [{ path: 'a/.wh.f1', body: '' }, { path: 'c', body: 'c1' }, { path: 'b', body: 'b1' }, { path: 'd', body: 'now a file' }]),
    layer('l2.tar', [{ path: 'a/.wh..wh..opq', body: '' }, { path: 'a/f3', body: '3' }]),
  ];
  const merged = async (keep: boolean) => {
    const out = join(dir, `merged-${keep}.tar`);
    const fd = openSync(out, 'w');
    try {
      mergeLayers(layers, fd, keep);
    } finally {
      closeSync(fd);
    }
    const got: string[] = [];
    await list({ file: out, onReadEntry: (e) => { got.push(e.path); e.resume(); } });
    return got;
  };

  it('applies whiteouts and opaque directories, the top layer winning', async () => {
    expect(await merged(false)).toEqual(['a/', 'c', 'b', 'd', 'a/f3']);
  });

  it('keeps the whiteouts that still hide files of the base (--squash)', async () => {
    expect(await merged(true)).toEqual(['a/', 'c', 'b', 'd', 'a/.wh..wh..opq', 'a/f3']);
  });

  it('refuses an entry that climbs out', () => {
    const bad = layer('bad.tar', [{ path: '../x', body: 'x' }]);
    const fd = openSync(join(dir, 'bad-out.tar'), 'w');
    try {
      expect(() => mergeLayers([bad], fd, false)).toThrow(/cannot merge layers/);
    } finally {
      closeSync(fd);
    }
  });
});


describe('mounts.conf (--default-mounts-file)', () => {
  it('reads SOURCE:DEST lines, skipping comments, blanks and lines without two absolute paths', async () => {
    const { parseMountsConf } = await import('../../lib/spec/default-mounts.js');
    expect(parseMountsConf('# secrets\n\n/usr/share/rhel/secrets:/run/secrets\n  /etc/x:/etc/y//z/  \nrelative:/x\n/a:b\n/same\n')).toEqual([
      { source: '/usr/share/rhel/secrets', destination: '/run/secrets' },
      { source: '/etc/x', destination: '/etc/y/z' },
    ]);
  });
});
