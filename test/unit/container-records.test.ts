// Container records on disk: compact, one write per state change, the seccomp profile stored once,
// a name index rebuilt from the records, and an unreadable record spoiling only its container.
import { afterAll, describe, expect, it } from 'vitest';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECCOMP_REF, ContainerStore, type ContainerRecord } from '../../lib/storage/containers.js';

const work = mkdtempSync(join(tmpdir(), 'tspod-records-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

function fresh(): ContainerStore {
  const root = join(work, `s${n++}`);
  mkdirSync(root, { recursive: true });
  return new ContainerStore(root);
}

const seccomp = [['seccomp_default', 'errno', '1'], ['seccomp_arch', 'x86_64'], ['seccomp_rule', 'allow', 'read'], ['seccomp_rule', 'allow', 'write']];

function record(id: string, name: string): ContainerRecord {
  return {
    version: 1, id, name, imageId: 'sha256:' + 'b'.repeat(64), imageName: 'localhost/busybox:latest', created: new Date(Date.now() + n).toISOString(),
    command: ['sleep', '10'],
    config: { env: ['A=1'], workingDir: '/', user: '0', hostname: 'h', tty: false, interactive: false, readOnly: false, init: false, network: 'none', mounts: [], autoRemove: false, labels: { l: 'v' } },
    plan: { argv: ['sleep', '10'], security: [['caps', 'ff'], ['no_new_privs', '0'], ...seccomp] },
    state: { status: 'created' },
  };
}

const id = (c: string) => c.repeat(64);

/** An index entry exists (a link to an id, not followed). */
function linked(s: ContainerStore, name: string): boolean {
  try {
    lstatSync(join(s.root, 'containers', '.names', name));
    return true;
  } catch {
    return false;
  }
}

describe('container records', () => {
  it('are compact, keep version 1 and store the seccomp rules once per content', () => {
    const s = fresh();
    s.save(record(id('a'), 'one'));
    s.save(record(id('c'), 'two'));
    const text = readFileSync(join(s.dir(id('a')), 'container.json'), 'utf8');
    expect(text).not.toContain('\n  ');
    expect(JSON.parse(text).version).toBe(1);
    expect(text).not.toContain('seccomp_rule');
    expect(readdirSync(join(s.root, 'seccomp'))).toHaveLength(1);
    // Read back: a reference in the rules' place; whole for a launch (withSeccomp), the rules where they were.
    const read = s.get(id('a'))!;
    expect((read.plan as { security: string[][] }).security).toEqual([['caps', 'ff'], ['no_new_privs', '0'], [SECCOMP_REF, expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]]);
    expect((s.withSeccomp(read).plan as { security: string[][] }).security).toEqual([['caps', 'ff'], ['no_new_privs', '0'], ...seccomp]);
    // Saved again either way, container.json is not rewritten and keeps its reference.
    const ino = statSync(join(s.dir(id('a')), 'container.json')).ino;
    s.save(read);
    expect(statSync(join(s.dir(id('a')), 'container.json')).ino).toBe(ino);
    const other = new ContainerStore(s.root);
    other.save(other.get(id('a'))!); // a process that knew nothing writes it: the same reference
    expect(readFileSync(join(s.dir(id('a')), 'container.json'), 'utf8')).toBe(text);
  });

  it('write a state change once, to state.json alone', () => {
    const s = fresh();
    s.save(record(id('a'), 'one'));
    const cfg = join(s.dir(id('a')), 'container.json');
    const before = statSync(cfg).ino;
    const rec = new ContainerStore(s.root).get(id('a'))!;
    rec.state = { status: 'running', pid: 123, pidStart: '5' };
    const other = new ContainerStore(s.root);
    other.save({ ...rec });
    expect(statSync(cfg).ino).not.toBe(before); // another process knew nothing: it wrote both
    const s2 = new ContainerStore(s.root);
    const r2 = s2.get(id('a'))!;
    const ino = statSync(cfg).ino;
    r2.state = { ...r2.state, status: 'exited', exitCode: 0 };
    s2.save(r2);
    expect(statSync(cfg).ino).toBe(ino);
    expect(JSON.parse(readFileSync(join(s.dir(id('a')), 'state.json'), 'utf8')).state.status).toBe('exited');
    expect(new ContainerStore(s.root).get(id('a'))!.state.status).toBe('exited');
    const again = statSync(join(s.dir(id('a')), 'state.json')).ino;
    s2.save(r2); // nothing changed: nothing written
    expect(statSync(join(s.dir(id('a')), 'state.json')).ino).toBe(again);
  });

  it('load an older record: pretty-printed, seccomp rules inline, no state.json', () => {
    const s = fresh();
    mkdirSync(s.dir(id('d')), { recursive: true });
    const old = record(id('d'), 'old');
    writeFileSync(join(s.dir(id('d')), 'container.json'), JSON.stringify(old, null, 2) + '\n');
    expect(s.get(id('d'))).toEqual(old);
    expect(s.summaries().map((c) => c.name)).toEqual(['old']);
    expect(s.byName('old')?.id).toBe(id('d'));
  });

  it('find a container by name through an index rebuilt when missing, and drop stale entries', () => {
    const s = fresh();
    s.save(record(id('a'), 'one'));
    s.save(record(id('c'), 'two'));
    rmSync(join(s.root, 'containers', '.names'), { recursive: true });
    expect(new ContainerStore(s.root).byName('two')?.id).toBe(id('c'));
    expect(linked(s, 'one')).toBe(true);
    // An entry whose container is gone names nothing.
    symlinkSync(id('e'), join(s.root, 'containers', '.names', 'ghost'));
    expect(linked(s, 'ghost')).toBe(true);
    expect(s.nameTaken('ghost')).toBeUndefined();
    expect(linked(s, 'ghost')).toBe(false);
    // A rename moves the entry; the old name is free.
    const r = s.get(id('a'))!;
    r.name = 'uno';
    s.save(r);
    expect(s.nameTaken('uno')).toBe(id('a'));
    expect(s.nameTaken('one')).toBeUndefined();
  });

  it('turn an unreadable record into an error entry of its own container only', () => {
    const s = fresh();
    s.save(record(id('a'), 'good'));
    s.save(record(id('c'), 'bad'));
    const file = join(s.dir(id('c')), 'container.json');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 50));
    const warned: string[] = [];
    const t = new ContainerStore(s.root);
    t.onBroken = (i, err) => warned.push(`${i} ${err.message}`);
    const all = t.summaries();
    expect(all.map((c) => [c.name, c.state.status])).toEqual(expect.arrayContaining([['good', 'created'], ['bad', 'error']]));
    expect(all.find((c) => c.id === id('c'))!.state.error).toBe(`unreadable record ${file}`);
    expect(warned.join('\n')).toContain(file);
    expect(t.get(id('a'))!.name).toBe('good');
    expect(t.byName('bad')!.state.status).toBe('error');
    // A stand-in is never written over what is left.
    t.save(t.get(id('c'))!);
    expect(readFileSync(file, 'utf8')).toHaveLength(50);
  });

  it('refuse to hand out a container whose seccomp profile is missing or altered for a launch; the record itself stays usable', () => {
    const s = fresh();
    s.save(record(id('a'), 'x'));
    const [file] = readdirSync(join(s.root, 'seccomp'));
    writeFileSync(join(s.root, 'seccomp', file!), '[["seccomp_default","allow"]]\n');
    const t = new ContainerStore(s.root);
    const r = t.get(id('a'))!;
    expect(r.state.status).toBe('created'); // stop, rm, inspect still work on it
    expect(() => t.withSeccomp(r)).toThrow(/seccomp profile: missing or not matching its digest/);
    rmSync(join(s.root, 'seccomp'), { recursive: true });
    expect(() => t.withSeccomp(t.get(id('a'))!)).toThrow(/seccomp profile/);
  });
});
