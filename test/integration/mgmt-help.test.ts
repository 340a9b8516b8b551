// Help and argument counts as podman's help test checks them: cobra's count errors, grouped
// spellings in usage lines, a group without a subcommand, --all with --latest. Budget: about 4 s.
import { describe, expect, it } from 'vitest';
import { tspod } from './helpers.js';

describe('help and argument counts', () => {
  it('names a grouped spelling in its usage line and its "See" line', async () => {
    const help = await tspod(['container', 'ls', '--help']);
    expect(help.stdout.split('\n')).toContain('  tspod container ls [options]');
    const bad = await tspod(['container', 'ls', '--bogus']);
    expect([bad.exitCode, bad.stderr]).toEqual([125, "Error: unknown flag: --bogus\nSee 'tspod container ls --help'"]);
    // the group lists podman's names, not its unlisted aliases
    const group = (await tspod(['container', '--help'])).stdout;
    expect(group).toMatch(/^ {2}list +/m);
    expect(group).not.toMatch(/^ {2}ls +/m);
  });

  it('a group without a subcommand prints its help, then the error (125)', async () => {
    const r = await tspod(['pod']);
    expect(r.exitCode).toBe(125);
    expect(r.stdout).toMatch(/^Manage pods\n\nUsage:\n {2}tspod pod \[command\]/);
    expect(r.stderr).toBe("Error: missing command 'tspod pod COMMAND'");
  });

  it('counts operands in cobra\'s words', async () => {
    const cases: Array<[string[], string]> = [
      [['ps', 'x'], 'Error: `tspod ps` takes no arguments'],
      [['container', 'ls', 'x'], 'Error: `tspod container ls` takes no arguments'],
      [['pod', 'exists'], 'Error: accepts 1 arg(s), received 0'],
      [['history', 'a', 'b'], 'Error: accepts 1 arg(s), received 2'],
      [['images', 'a', 'b'], 'Error: accepts at most 1 arg(s), received 2'],
      [['import', 'a', 'b', 'c'], 'Error: accepts between 1 and 2 arg(s), received 3'],
      [['run'], 'Error: requires at least 1 arg(s), only received 0'],
    ];
    for (const [args, err] of cases) {
      const r = await tspod(args);
      expect([args, r.exitCode, r.stderr.split('\n')[0]]).toEqual([args, 125, err]);
    }
  });

  it('--all with --latest is refused, except by ps', async () => {
    const stop = await tspod(['stop', '--all', '--latest']);
    expect([stop.exitCode, stop.stderr]).toEqual([125, 'Error: --all and --latest cannot be used together']);
    expect((await tspod(['ps', '--all', '--latest'])).exitCode).toBe(0);
  });
});
