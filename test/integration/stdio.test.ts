// What a container gets as stdin/stdout/stderr without a terminal (pipes, never
// tspod's own descriptors), and the user and group ids it may run as
// (0-2147483647, from -u and from the image's /etc/passwd and /etc/group), and
// the id maps (every /etc/subuid range of the user).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, openSync, closeSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { containerProcesses, tspod, userProcesses, waitFor } from './helpers.js';

const none = ['--network', 'none'];

afterEach(async () => {
  expect(await waitFor(() => userProcesses(containerProcesses).length === 0, 5000)).toBe(true);
});

describe('stdio without a terminal', () => {
  it('gives the container pipes, not tspod\'s own descriptors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-stdio-'));
    const file = join(dir, 'out');
    const out = openSync(file, 'w');
    try {
      const r = await tspod(['run', '--rm', '-i', ...none, 'busybox', 'sh', '-c', 'for f in 0 1 2; do readlink /proc/self/fd/$f; done'], {
        stdin: undefined, stdio: ['pipe', out, 'pipe'], input: '',
      });
      expect(r.exitCode).toBe(0);
    } finally {
      closeSync(out);
    }
    // stdout was a host file here: inside, all three are pipes all the same.
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^pipe:\[\d+\]$/);
  });

  it('a directory given as stdin does not open the host\'s files to the container', async () => {
    const home = userInfo().homedir;
    const stdin = openSync(home, 'r');
    try {
      const r = await tspod(['run', '--rm', '-i', ...none, 'busybox', 'sh', '-c', 'cat /proc/self/fd/0/../../etc/hostname; ls /proc/self/fd/0/ 2>&1; readlink /proc/self/fd/0'], {
        stdin: undefined, stdio: [stdin, 'pipe', 'pipe'],
      });
      expect(r.stdout).toMatch(/^pipe:\[\d+\]$/m);
      expect(r.stdout).not.toContain(readFileSync('/etc/hostname', 'utf8').trim());
      expect(r.stderr).toMatch(/Not a directory/);
    } finally {
      closeSync(stdin);
    }
  });

  it('passes data both ways, keeps stdout and stderr apart, and keeps the exit code', async () => {
    const r = await tspod(['run', '--rm', '-i', ...none, 'busybox', 'sh', '-c', 'tr a-z A-Z; echo to-stderr >&2; echo via-dev-stdout > /dev/stdout; exit 7'], { stdin: undefined, input: 'hi there\n' });
    expect(r.exitCode).toBe(7);
    expect(r.stdout).toBe('HI THERE\nvia-dev-stdout');
    expect(r.stderr).toBe('to-stderr');
  });

  it('relays large output and input completely', async () => {
    const big = 'x'.repeat(999) + '\n';
    const input = big.repeat(2000); // 2 MB, far more than a pipe holds
    const r = await tspod(['run', '--rm', '-i', ...none, 'busybox', 'sh', '-c', 'wc -c; head -c 3000000 /dev/zero | tr "\\0" y'], { stdin: undefined, input, stripFinalNewline: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.startsWith('2000000\n')).toBe(true);
    expect(r.stdout.length).toBe('2000000\n'.length + 3_000_000);
  });

  it('without -i the container reads nothing (stdin is /dev/null)', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c', 'cat; readlink /proc/self/fd/0'], { stdin: undefined, input: 'not-for-you' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('/dev/null');
  });

  it('exec gets pipes too, and its -u is checked as run\'s', async () => {
    const name = `stdio-exec-${process.pid}`;
    expect((await tspod(['run', '-d', '--name', name, ...none, 'busybox', 'sleep', '1000'])).exitCode).toBe(0);
    try {
      const r = await tspod(['exec', '-i', name, 'sh', '-c', 'readlink /proc/self/fd/0; readlink /proc/self/fd/1; cat; exit 4'], { stdin: undefined, input: 'from-host' });
      expect(r.exitCode).toBe(4);
      expect(r.stdout).toMatch(/^pipe:\[\d+\]\npipe:\[\d+\]\nfrom-host$/);
      const bad = await tspod(['exec', '-u', '4294967295', name, 'id', '-u']);
      expect(bad.exitCode).toBe(126);
      expect(bad.stderr).toBe('Error: uids and gids must be in range 0-2147483647');
    } finally {
      await tspod(['rm', '-f', name]);
    }
  });
});

describe('user and group ids', () => {
  for (const user of ['4294967295', '4294967296', '2147483648', '0:4294967295']) {
    it(`refuses -u ${user} as podman does (exit 126), before anything is created`, async () => {
      const before = (await tspod(['ps', '-aq'])).stdout;
      const r = await tspod(['run', '--rm', ...none, '-u', user, 'busybox', 'id']);
      expect(r.exitCode).toBe(126);
      expect(r.stderr).toBe('Error: uids and gids must be in range 0-2147483647');
      expect((await tspod(['ps', '-aq'])).stdout).toBe(before);
    });
  }

  it('an id in range but not mapped fails rather than running as root; a mapped one runs', async () => {
    // 2147483647 is in range but not mapped here: the helper's setuid fails, not a silent root.
    const r = await tspod(['run', '--rm', ...none, '-u', '2147483647', 'busybox', 'id', '-u']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).not.toBe('0');
    const ok = await tspod(['run', '--rm', ...none, '-u', '65536:65536', 'busybox', 'id']);
    // --passwd (default true, as podman): the ids missing from the image's files get entries named after them
    expect(ok.stdout).toBe('uid=65536(65536) gid=65536(65536) groups=65536(65536)');
  });

  it('refuses out-of-range ids from the image\'s /etc/passwd and /etc/group with exit 126', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-ids-'));
    writeFileSync(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nwrap:x:4294967295:0::/:/bin/sh\nbig:x:4294967296:4294967296::/:/bin/sh\n');
    writeFileSync(join(dir, 'group'), 'root:x:0:\nhuge:x:4294967295:\n');
    chmodSync(dir, 0o755);
    const vols = ['-v', `${join(dir, 'passwd')}:/etc/passwd:ro`, '-v', `${join(dir, 'group')}:/etc/group:ro`];
    for (const user of ['wrap', 'big', '0:huge']) {
      const r = await tspod(['run', '--rm', ...none, ...vols, '-u', user, 'busybox', 'id', '-u']);
      expect(r.exitCode, user).toBe(126);
      expect(r.stderr, user).toMatch(/^Error: uids and gids must be in range 0-2147483647/m);
      expect(r.stdout, user).toBe('');
    }
  });
});

describe('id maps', () => {
  it('maps every /etc/subuid and /etc/subgid range of the user, one after the other', async () => {
    const me = userInfo();
    const ranges = (file: string) => readFileSync(file, 'utf8').split('\n').map((l) => l.split(':'))
      .filter(([who, , count]) => (who === me.username || who === String(me.uid)) && Number(count) > 0)
      .map(([, start, count]) => [Number(start), Number(count)] as const);
    const expected = (own: number, rs: ReadonlyArray<readonly [number, number]>) => {
      const lines = [`0 ${own} 1`];
      let next = 1;
      for (const [start, count] of rs) {
        lines.push(`${next} ${start} ${count}`);
        next += count;
      }
      return lines;
    };
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c', 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map']);
    const [uidMap, gidMap] = r.stdout.split('--\n').map((t) => t.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')));
    expect(uidMap).toEqual(expected(me.uid, ranges('/etc/subuid')));
    expect(gidMap).toEqual(expected(process.getgid!(), ranges('/etc/subgid')));
    // With a second range (set up by hand; CI users have one), an id past the first range is usable.
    const first = ranges('/etc/subuid')[0]!;
    if (ranges('/etc/subuid').length > 1 && ranges('/etc/subgid').length > 1) {
      const id = first[1] + 10;
      const u = await tspod(['run', '--rm', ...none, '-u', `${id}:${id}`, 'busybox', 'sh', '-c', 'id -u; touch /tmp/f; stat -c %u /tmp/f']);
      expect(u.stdout).toBe(`${id}\n${id}`);
    }
  });
});
