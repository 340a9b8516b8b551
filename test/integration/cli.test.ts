// The command path as a user meets it: Node never reads tspod's arguments or
// NODE_OPTIONS (bin/tspod), podman's flag errors and exit codes, --help from the
// flag tables, and repeated flags keeping the last value.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv, tspod } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tspod-cli-'));
const marker = join(dir, 'node-ran-it');
// Code Node would run if it ever read an option meant for tspod.
const payload = join(dir, 'x.cjs');
writeFileSync(payload, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
const envFile = join(dir, 'env');
writeFileSync(envFile, `NODE_OPTIONS=--require ${payload}\nGREETING=hello\n`);
const none = ['--network', 'none'];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Node never reads tspod\'s arguments', () => {
  it('passes an --env-file with NODE_OPTIONS to the container, not to Node', async () => {
    const r = await tspod(['run', '--rm', ...none, '--env-file', envFile, 'busybox', 'sh', '-c', 'echo "$GREETING $NODE_OPTIONS"']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`hello --require ${payload}`);
    expect(existsSync(marker)).toBe(false);
  });

  it('says tspod\'s own error for a missing --env-file', async () => {
    const r = await tspod(['run', '--rm', ...none, '--env-file', '/nonexistent', 'busybox', 'true']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/^Error: .*\/nonexistent/);
    expect(r.stderr).not.toMatch(/^node:/m);
  });

  it.each([
    [['--require', payload, 'ps'], 'Error: unknown flag: --require\nSee \'tspod --help\''],
    [['-r', payload, 'ps'], 'Error: unknown shorthand flag: \'r\' in -r\nSee \'tspod --help\''],
    [['--inspect', 'ps'], 'Error: unknown flag: --inspect\nSee \'tspod --help\''],
    [['--eval', `require('fs').writeFileSync('${marker}', '')`], 'Error: unknown flag: --eval\nSee \'tspod --help\''],
    [['ps', '--import', payload], 'Error: unknown flag: --import\nSee \'tspod ps --help\''],
    [['run', '--require', payload, 'busybox', 'true'], 'Error: unknown flag: --require\nSee \'tspod run --help\''],
    [['--env-file', envFile, 'version'], 'Error: unknown flag: --env-file\nSee \'tspod --help\''],
  ])('%j is a tspod usage error', async (args, stderr) => {
    const r = await tspod(args);
    expect({ code: r.exitCode, stderr: r.stderr }).toEqual({ code: 125, stderr });
    expect(existsSync(marker)).toBe(false);
  });

  it('clears NODE_OPTIONS and sets NODE_EXTRA_CA_CERTS aside for the registry client', async () => {
    const env = { ...testEnv(), NODE_OPTIONS: `--require ${payload}`, NODE_EXTRA_CA_CERTS: join(dir, 'no-such-bundle.pem') };
    const r = await tspod(['version'], { env });
    expect(r.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(false);
    // Node itself would warn at start-up that it cannot load the bundle; tspod reads it only to reach a registry.
    expect(r.stderr).toBe('');
  });
});

describe('podman\'s flag handling', () => {
  it.each([
    [['foo'], 'Error: unrecognized command `tspod foo`\nTry \'tspod --help\' for more information'],
    [['run', '--foo'], 'Error: unknown flag: --foo\nSee \'tspod run --help\''],
    [['run', '-x'], 'Error: unknown shorthand flag: \'x\' in -x\nSee \'tspod run --help\''],
    [['run', '--name'], 'Error: flag needs an argument: --name\nSee \'tspod run --help\''],
    [['ps', '-n', 'abc'], 'Error: invalid argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax\nSee \'tspod ps --help\''],
    [['ps', 'extra'], 'Error: `tspod ps` takes no arguments'],
  ])('%j', async (args, stderr) => {
    const r = await tspod(args);
    expect({ code: r.exitCode, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 125, stderr, stdout: '' });
  });

  it.each([['run'], ['create'], ['ps'], ['pod', 'create'], ['generate', 'systemd'], ['inspect']])('tspod %s --help lists the flags under podman\'s usage line', async (...words) => {
    const r = await tspod([...words, '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`Usage:\n  tspod ${words.join(' ')} [options]`);
    expect(r.stdout).toMatch(/\nOptions:\n {2}(-\w, | {4})--\w/);
  });

  it('lists run\'s flags and the commands', async () => {
    expect((await tspod(['run', '--help'])).stdout).toContain('      --env-file strings ');
    const root = await tspod(['--help']);
    expect(root.stdout).toMatch(/Available Commands:\n(.*\n)*  run +Run a command in a new container\n/);
  });

  it('keeps the last of a repeated flag', async () => {
    const id = (await tspod(['create', ...none, '--name', 'cli-a', '--name', 'cli-b', 'busybox', 'true'])).stdout;
    try {
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      const r = await tspod(['inspect', '--format', '{{.Id}}', '--format', '{{.Name}}', id]);
      expect(r.stdout).toBe('cli-b');
    } finally {
      await tspod(['rm', '-f', id]);
    }
  });
});
