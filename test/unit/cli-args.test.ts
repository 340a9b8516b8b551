// The command line parser over the flag tables: podman's flag semantics, its
// error wording, the command words, and help rendered from the tables.
import { describe, expect, it } from 'vitest';
import { argCountError, parseFlags, type FlagRow } from '../../lib/cli/args.js';
import { commandRows, commands, containerFlags, globalFlags, groupAliases, plainAliases, groups, rootFlags } from '../../lib/cli/flags.js';
import { findCommand } from '../../lib/cli/main.js';
import { commandHelp, flagLines } from '../../lib/cli/help.js';

const tables = { commands, containerFlags, globalFlags, groupAliases, plainAliases, groups, rootFlags } as unknown as Parameters<typeof findCommand>[1];
const rowsOf = (cmd: string) => [...commands[cmd]!.flags, ...globalFlags];
const parse = (cmd: string, argv: string[]) => parseFlags(argv, rowsOf(cmd), cmd, commands[cmd]!.interspersed ?? true);

describe('parseFlags: podman\'s flag semantics', () => {
  it('keeps the last value of a scalar given twice', () => {
    expect(parse('run', ['--name', 'a', '--name', 'b', 'img']).values.name).toBe('b');
    expect(parse('inspect', ['--format', 'X', '--format', 'Y', 'c']).values.format).toBe('Y');
    expect(parse('inspect', ['-f', 'X', '--format=Y', '-fZ', 'c']).values.format).toBe('Z');
  });
  it('splits string slices on commas but not string arrays', () => {
    const p = parse('run', ['--cap-add', 'a,b', '--cap-add=c', '-e', 'A=1,2', '--label', 'x=y,z', '-p', '80:80,90:90', 'img']);
    expect(p.values['cap-add']).toEqual(['a', 'b', 'c']);
    expect(p.values.env).toEqual(['A=1,2']);
    expect(p.values.label).toEqual(['x=y,z']);
    expect(p.values.publish).toEqual(['80:80', '90:90']);
  });
  it('takes attached short values and bundled booleans', () => {
    const p = parse('run', ['-p8080:80', '-eK=V', '-itd', '-e=A=B', '-ie', 'X=1', 'img']);
    expect(p.values.publish).toEqual(['8080:80']);
    expect(p.values.env).toEqual(['K=V', 'A=B', 'X=1']);
    expect([p.values.interactive, p.values.tty, p.values.detach]).toEqual([true, true, true]);
    expect(p.operands).toEqual(['img']);
  });
  it('reads the next word as the value even when it starts with a dash', () => {
    const rows: FlagRow[] = [{ name: 'pids-limit', type: 'int', usage: '' }, { name: 'name', type: 'string', usage: '' }];
    expect(parseFlags(['--pids-limit', '-1', 'img'], rows, 'run').values['pids-limit']).toBe(-1);
    expect(parseFlags(['--name', '--rm'], rows, 'run').values.name).toBe('--rm');
  });
  it('gives booleans and optional flags a value only with =', () => {
    const rows: FlagRow[] = [{ name: 'pull', type: 'string', optional: 'true', def: 'missing', usage: '' }, { name: 'tls-verify', type: 'bool', usage: '' }];
    expect(parseFlags(['--pull', 'x'], rows, 'build').values).toEqual({ pull: 'true', 'tls-verify': undefined });
    expect(parseFlags(['--pull', 'x'], rows, 'build').operands).toEqual(['x']);
    expect(parseFlags(['--pull=never'], rows, 'build').values.pull).toBe('never');
    expect(parseFlags([], rows, 'build').values.pull).toBe('missing');
    expect(parseFlags(['--tls-verify=false', 'x'], rows, 'pull').values['tls-verify']).toBe(false);
    expect(parseFlags(['--tls-verify', 'false'], rows, 'pull')).toMatchObject({ values: { 'tls-verify': true }, operands: ['false'] });
    expect(parse('run', ['--rm=false', '--rm=true', '--rm=0', 'img']).values.rm).toBe(false);
  });
  it('stops at the image for run, create and exec; elsewhere options and operands mix', () => {
    expect(parse('run', ['--rm', 'busybox', 'ls', '-la', '--name', 'x']).operands).toEqual(['busybox', 'ls', '-la', '--name', 'x']);
    expect(parse('create', ['-v', '/a:/b', '--network', 'none', 'img', '-e']).operands).toEqual(['img', '-e']);
    expect(parse('exec', ['-it', 'ctr', 'sh', '-c', 'x']).operands).toEqual(['ctr', 'sh', '-c', 'x']);
    expect(parse('run', ['--rm', '--', 'img', '--rm'])).toMatchObject({ operands: ['img', '--rm'], optionTokens: ['--rm', '--'] });
    expect(parse('rm', ['a', '-f', 'b'])).toMatchObject({ operands: ['a', 'b'], values: { force: true } });
    expect(parse('rm', ['a', '--', '-f'])).toMatchObject({ operands: ['a', '-f'], values: { force: undefined } });
  });
  it('fills defaults and keeps the option words for generate systemd --new', () => {
    const p = parse('run', ['-d', '--name=web', '-p', '8080:80', 'img', 'sh']);
    expect(p.values).toMatchObject({ network: 'slirp4netns', pull: 'missing', restart: 'no', 'preserve-fds': 0, volume: [] });
    expect(p.optionTokens).toEqual(['-d', '--name=web', '-p', '8080:80']);
    expect(parse('run', ['--net', 'none', 'img']).values.network).toBe('none');
  });
  it('asks for help with --help, and with -h where -h is free', () => {
    expect(parse('ps', ['--help']).help).toBe(true);
    expect(parse('ps', ['-ah']).help).toBe(true);
    expect(parse('run', ['-h', 'box', 'img'])).toMatchObject({ help: false, values: { hostname: 'box' } });
  });
  it.each([
    ['run', ['--foo'], 'unknown flag: --foo'],
    ['run', ['-x'], 'unknown shorthand flag: \'x\' in -x'],
    ['run', ['-itx'], 'unknown shorthand flag: \'x\' in -itx'],
    ['run', ['--name'], 'flag needs an argument: --name'],
    ['run', ['-e'], 'flag needs an argument: \'e\' in -e'],
    ['ps', ['-n', 'abc'], 'invalid argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    ['run', ['--rm=maybe'], 'invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
    ['stop', ['-t', '-1'], 'invalid argument "-1" for "-t, --time" flag: strconv.ParseUint: parsing "-1": invalid syntax'],
    ['run', ['--require', 'x.cjs'], 'unknown flag: --require'],
    ['save', ['--format', 'tgz'], 'invalid argument "tgz" for "--format" flag: must be one of docker-archive, oci-archive, oci-dir, docker-dir'],
    ['inspect', ['-t', 'pod'], 'invalid argument "pod" for "-t, --type" flag: must be one of all, container, image'],
  ])('%s %j: %s', (cmd, argv, message) => {
    expect(() => parse(cmd, argv)).toThrow(expect.objectContaining({ message, exitCode: 125, helpFor: cmd }));
  });
});

describe('the tables', () => {
  it('share container rows by their verbs list', () => {
    const names = (cmd: string) => commands[cmd]!.flags.map((f) => f.name);
    expect(names('run')).toContain('detach');
    expect(names('create')).not.toContain('detach');
    expect(names('pod create')).toEqual(expect.arrayContaining(['hostname', 'publish', 'label', 'share']));
    expect(names('pod create')).not.toContain('env');
    for (const r of containerFlags) expect(r.verbs?.length).toBeGreaterThan(0);
  });
  it('has no flag or shorthand twice in a command', () => {
    for (const [name, spec] of Object.entries(commands)) {
      const rows = commandRows(spec);
      const longs = rows.flatMap((r) => [r.name, ...(r.aliases ?? [])]);
      const shorts = rows.flatMap((r) => (r.short ? [r.short] : []));
      expect(new Set(longs).size, name).toBe(longs.length);
      expect(new Set(shorts).size, name).toBe(shorts.length);
      expect(spec.usage.startsWith(`tspod ${name}`), name).toBe(true);
    }
  });
});

describe('argCountError: cobra\'s words, counts from the table or the usage line', () => {
  const count = (cmd: string, n: number, spelled?: string) => argCountError(commands[cmd]!, cmd, n, spelled);
  it('names each kind of range', () => {
    expect(count('ps', 1, 'container ls')).toBe('`tspod container ls` takes no arguments');
    expect(count('ps', 0)).toBeUndefined();
    expect(count('pod exists', 0)).toBe('accepts 1 arg(s), received 0');
    expect(count('pod exists', 2)).toBe('accepts 1 arg(s), received 2');
    expect(count('pod exists', 1)).toBeUndefined();
    expect(count('pod clone', 0)).toBe('accepts between 1 and 2 arg(s), received 0');
    expect(count('pod clone', 1)).toBeUndefined();
    expect(count('pod clone', 3)).toBe('accepts between 1 and 2 arg(s), received 3');
    expect(count('images', 2)).toBe('accepts at most 1 arg(s), received 2');
    expect(count('import', 3)).toBe('accepts between 1 and 2 arg(s), received 3');
  });
  it('leaves counts below the usage line to verbs that act on --all or --latest', () => {
    expect(count('attach', 0)).toBeUndefined();
    expect(count('attach', 2)).toBe('accepts 1 arg(s), received 2');
    expect(count('rm', 0)).toBeUndefined();
    expect(count('rm', 9)).toBeUndefined();
    expect(count('run', 0)).toBe('requires at least 1 arg(s), only received 0');
  });
});

describe('findCommand', () => {
  it.each([
    [['ps', '-a'], 'ps', ['-a']],
    [['container', 'run', '--rm', 'img'], 'run', ['--rm', 'img']],
    [['image', 'ls'], 'images', []],
    [['image', 'inspect', 'x'], 'inspect', ['--type', 'image', 'x']],
    [['image', 'prune', '-a'], 'image prune', ['-a']],
    [['image-prune'], 'image prune', []],
    [['pod', 'create', '--name', 'p'], 'pod create', ['--name', 'p']],
    [['pod', 'ls'], 'pod ps', []],
    [['generate', 'systemd', '--new', 'c'], 'generate systemd', ['--new', 'c']],
    [['umount', 'c'], 'unmount', ['c']],
  ])('%j is %s', (words, command, rest) => {
    expect(findCommand(words, tables)).toMatchObject({ command, rest });
  });
  it('keeps the words a grouped spelling was typed as (help and errors name them)', () => {
    expect(findCommand(['container', 'ls', '-a'], tables)).toEqual({ command: 'ps', rest: ['-a'], spelled: 'container ls' });
    expect(findCommand(['umount', 'c'], tables)).toMatchObject({ command: 'unmount', spelled: 'umount' });
    expect(findCommand(['ps'], tables)).toEqual({ command: 'ps', rest: [] });
  });
  it('tells groups and unknown words apart', () => {
    expect(findCommand(['pod'], tables)).toEqual({ group: 'pod', rest: [] });
    expect(findCommand(['pod', '--help'], tables)).toEqual({ group: 'pod', rest: ['--help'] });
    expect(findCommand(['pod', 'frob'], tables)).toMatchObject({ unknown: 'pod frob' });
    expect(findCommand(['frob'], tables)).toMatchObject({ unknown: 'frob' });
  });
});

describe('help from the tables', () => {
  it('shows podman\'s usage line and aligned flag lines', () => {
    const text = commandHelp(commands.ps!);
    expect(text).toContain('Usage:\n  tspod ps [options]\n');
    expect(text).toContain('  -a, --all              Show all the containers, default is only running containers\n');
    expect(text).toContain('  -f, --filter strings');
    expect(commandHelp(commands.run!)).toContain('      --pull string ');
  });
  it('shows defaults and optional values the way pflag does', () => {
    const text = flagLines([
      { name: 'time', short: 't', type: 'uint', def: 10, usage: 'Seconds' },
      { name: 'pull', type: 'string', optional: 'true', usage: 'Pull' },
      { name: 'signal', type: 'string', def: 'KILL', usage: 'Signal' },
      { name: 'hidden', type: 'bool', hidden: true, usage: '' },
    ]);
    expect(text).toBe('      --pull string[="true"]   Pull\n      --signal string          Signal (default "KILL")\n  -t, --time uint              Seconds (default 10)\n');
  });
});
