// podman's management flags on listing and selection: ps/images --noheading --sort --filter,
// rmi -a/-i, start/stop/rm --all --latest --filter, wait --condition, logs of several
// containers, container prune/init, pause/stats refusals, pod ps flags, image tree/diff,
// system migrate/renumber, completion. (Budget: about 40 s.)
import { afterEach, describe, expect, it } from 'vitest';
import { tspod, waitFor } from './helpers.js';

afterEach(async () => {
  await tspod(['pod', 'rm', '-a', '-f']);
  await tspod(['rm', '-a', '-f']);
});

const create = async (name: string, ...cmd: string[]) => {
  const r = await tspod(['create', '--name', name, '--network', 'none', '--label', `who=${name}`, 'busybox', ...(cmd.length ? cmd : ['true'])]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
};

describe('ps', () => {
  it('--noheading, --sort, --last, --filter and their errors', async () => {
    await create('zeta');
    await create('alpha');
    const names = await tspod(['ps', '-a', '--sort', 'names', '--format', '{{.Names}}']);
    expect(names.stdout).toBe('alpha\nzeta');
    const created = await tspod(['ps', '-a', '--format', '{{.Names}}']);
    expect(created.stdout).toBe('zeta\nalpha'); // podman: oldest first
    const plain = await tspod(['ps', '-a', '--noheading']);
    expect(plain.stdout).not.toMatch(/CONTAINER ID/);
    expect(plain.stdout.split('\n')).toHaveLength(2);
    expect((await tspod(['ps', '--noheading'])).stdout).toBe('');
    expect((await tspod(['ps', '-n', '1', '--format', '{{.Names}}'])).stdout).toBe('alpha');
    expect((await tspod(['ps', '-a', '--filter', 'since=zeta', '--format', '{{.Names}}'])).stdout).toBe('alpha');
    expect((await tspod(['ps', '-a', '--filter', 'before=alpha', '--format', '{{.Names}}'])).stdout).toBe('zeta');
    expect((await tspod(['ps', '-a', '--filter', 'name=zeta', '--filter', 'name=alpha', '--format', '{{.Names}}'])).stdout).toBe('zeta\nalpha');
    const size = await tspod(['ps', '-a', '--size']);
    expect(size.stdout).toMatch(/SIZE/);
    expect(size.stdout).toMatch(/\(virtual /);
    const bad = await tspod(['ps', '--sort', 'bad']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toMatch(/^Error: invalid argument "bad" for "--sort" flag: "bad" is not a valid value\.  Choose from: "command, created/);
    const badFilter = await tspod(['ps', '--filter', 'foo=bar']);
    expect(badFilter.stderr).toBe('Error: foo is an invalid filter');
    expect(badFilter.exitCode).toBe(125);
    expect((await tspod(['ps', '--filter', 'status=bad'])).stderr).toBe('Error: unknown container state: bad: invalid argument');
  });

  it('--filter exited= picks by exit code', async () => {
    const r1 = await tspod(['run', '--name', 'ok', '--network', 'none', 'busybox', 'true']);
    const r2 = await tspod(['run', '--name', 'bad', '--network', 'none', 'busybox', 'sh', '-c', 'exit 3']);
    expect([r1.exitCode, r2.exitCode]).toEqual([0, 3]);
    expect((await tspod(['ps', '-a', '--filter', 'exited=3', '--format', '{{.Names}}'])).stdout).toBe('bad');
    expect((await tspod(['ps', '--filter', 'exited=0', '--format', '{{.Names}}'])).stdout).toBe('ok');
  });
});

describe('images and rmi', () => {
  it('--noheading, --sort, --filter id=/before=/label= and podman errors', async () => {
    const id = (await tspod(['images', '-q', 'busybox'])).stdout.split('\n')[0]!;
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    const noh = await tspod(['images', '--noheading']);
    expect(noh.stdout).not.toMatch(/REPOSITORY/);
    expect(noh.stdout).toMatch(/busybox/);
    expect((await tspod(['images', '--filter', `id=${id}`, '--format', '{{.Repository}}'])).stdout).toMatch(/busybox/);
    expect((await tspod(['images', '--filter', 'before=busybox', '--filter', 'reference=busybox', '--format', '{{.ID}}'])).stdout).toBe('');
    expect((await tspod(['images', '--filter', 'label=nosuchlabel', '--format', '{{.ID}}'])).stdout).toBe('');
    const bad = await tspod(['images', '--filter', 'foo=bar']);
    expect(bad.stderr).toBe('Error: unsupported image filter "foo"');
    const sort = await tspod(['images', '--sort', 'bad']);
    expect(sort.stderr).toBe('Error: "bad" is not a valid field for sorting. Choose from: created, id, repository, size, tag');
    expect(sort.exitCode).toBe(125);
    expect((await tspod(['images', '--sort', 'size', '--history'])).stdout).toMatch(/HISTORY/);
  });

  it('rmi -i ignores a missing image, rmi without it fails with exit 1', async () => {
    const miss = await tspod(['rmi', 'nothere']);
    expect(miss.exitCode).toBe(1);
    expect(miss.stderr).toBe('Error: nothere: image not known');
    const ign = await tspod(['rmi', '-i', 'nothere']);
    expect(ign.exitCode).toBe(0);
    expect(ign.stderr).toBe('');
    // --force passes over a missing image silently too (podman's).
    const force = await tspod(['image', 'rm', '--force', 'nothere']);
    expect([force.exitCode, force.stdout, force.stderr]).toEqual([0, '', '']);
    const both = await tspod(['rmi', '-a', 'busybox']);
    expect(both.stderr).toBe('Error: when using the --all switch, you may not pass any images names or IDs');
    expect((await tspod(['rmi'])).stderr).toBe('Error: image name or ID must be specified');
  });
});

describe('selection flags', () => {
  it('start several, --all with names refused, --filter, --latest, stop --all, wait --condition', async () => {
    await create('s1', 'sleep', '60');
    await create('s2', 'sleep', '60');
    expect((await tspod(['stop'])).stderr).toBe('Error: you must provide at least one name or id');
    expect((await tspod(['start'])).stderr).toBe('Error: start requires at least one argument');
    expect((await tspod(['stop', '-l', 's1'])).stderr).toBe('Error: --latest and containers cannot be used together');
    expect((await tspod(['rm', '--filter', 'status=exited', 's1'])).stderr).toBe('Error: --filter takes no arguments');
    const refused = await tspod(['start', '--all', 's1']);
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toBe('Error: either start all containers or the container(s) provided in the arguments');
    const started = await tspod(['start', 's1', 's2']);
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.stdout).toBe('s1\ns2');
    expect((await tspod(['ps', '--format', '{{.Names}}'])).stdout.split('\n').sort()).toEqual(['s1', 's2']);
    const stopOne = await tspod(['stop', '-t', '0', '--filter', 'label=who=s1']);
    expect(stopOne.exitCode, stopOne.stderr).toBe(0);
    expect((await tspod(['ps', '--format', '{{.Names}}'])).stdout).toBe('s2');
    expect((await tspod(['stop', '--all', 's2'])).stderr).toBe('Error: no arguments are needed with --all');
    const s1Id = (await tspod(['inspect', '--format', '{{.Id}}', 's1'])).stdout;
    const s2Id = (await tspod(['inspect', '--format', '{{.Id}}', 's2'])).stdout;
    const killAll = await tspod(['kill', '-a', '-s', 'CONT']); // only the running one: s1 is stopped
    expect(killAll.exitCode, killAll.stderr).toBe(0);
    expect(killAll.stdout).toBe(s2Id);
    const stopAll = await tspod(['stop', '-a', '-t', '0']);
    expect(stopAll.exitCode, stopAll.stderr).toBe(0);
    expect(stopAll.stdout).toBe(s2Id);
    expect(s1Id).not.toBe(s2Id);
    expect((await tspod(['ps', '-q'])).stdout).toBe('');
    expect((await tspod(['wait', '--condition', 'bad', 's1'])).stderr).toBe('Error: unknown container state: bad: invalid argument');
    const w = await tspod(['wait', '--condition', 'stopped', 's1', 's2']);
    const code = (await tspod(['inspect', '--format', '{{.State.ExitCode}}', 's1'])).stdout;
    expect(code).toMatch(/^\d+$/);
    expect(w.stdout).toBe(`${code}\n${code}`);
    await create('newest');
    expect((await tspod(['inspect', '-l', '--format', '{{.Name}}'])).stdout).toBe('newest');
    const rmLatest = await tspod(['rm', '--latest']);
    expect(rmLatest.exitCode, rmLatest.stderr).toBe(0);
    expect((await tspod(['container', 'exists', 'newest'])).exitCode).toBe(1);
    const rmF = await tspod(['rm', '--filter', 'name=^s1$']);
    expect(rmF.exitCode, rmF.stderr).toBe(0);
    expect((await tspod(['ps', '-a', '--format', '{{.Names}}'])).stdout).toBe('s2');
  });

  it('start -a proxies the signals tspod receives to the container (--sig-proxy)', async () => {
    await create('sp', 'sh', '-c', "trap 'echo got-usr1; exit 7' USR1; echo ready; while :; do sleep 0.1; done");
    expect((await tspod(['start', '--sig-proxy', 'sp'])).stderr).toBe('Error: you cannot use sig-proxy without --attach');
    const child = tspod(['start', '-a', 'sp']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(() => out.includes('ready'), 20_000)).toBe(true);
    child.kill('SIGUSR1');
    const r = await child;
    expect(r.stdout).toBe('ready\ngot-usr1');
    expect(r.exitCode).toBe(7);
  });

  it('logs of several containers prefix each line with the id, or the name with --names', async () => {
    await tspod(['run', '-d', '--name', 'la', '--network', 'none', 'busybox', 'echo', 'from-a']);
    await tspod(['run', '-d', '--name', 'lb', '--network', 'none', 'busybox', 'echo', 'from-b']);
    expect((await tspod(['wait', 'la', 'lb'])).stdout).toBe('0\n0');
    const named = await tspod(['logs', '--names', 'la', 'lb']);
    expect(named.stdout).toBe('la from-a\nlb from-b');
    const ids = await tspod(['logs', 'la', 'lb']);
    expect(ids.stdout).toMatch(/^[0-9a-f]{12} from-a\n[0-9a-f]{12} from-b$/);
    expect((await tspod(['logs', '--until', '2000-01-01T00:00:00Z', 'la'])).stdout).toBe('');
    expect((await tspod(['logs', 'la'])).stdout).toBe('from-a');
    const colored = await tspod(['logs', '--color', '--names', 'la', 'lb']);
    expect(colored.stdout).toBe('\x1b[32mla\x1b[0m from-a\n\x1b[33mlb\x1b[0m from-b');
  });
});

describe('more commands', () => {
  it('ps --ns shows the namespaces of a running container; system df -v lists it', async () => {
    const r = await tspod(['run', '-d', '--name', 'nsc', '--network', 'none', 'busybox', 'sleep', '60']);
    expect(r.exitCode, r.stderr).toBe(0);
    const ns = await tspod(['ps', '--ns']);
    expect(ns.stdout.split('\n')[0]).toMatch(/^CONTAINER ID\s+NAMES\s+PID\s+CGROUPNS\s+IPC\s+MNT\s+NET\s+PIDNS\s+USERNS\s+UTS$/);
    expect(ns.stdout.split('\n')[1]).toMatch(/^[0-9a-f]{12}\s+nsc\s+[1-9]\d*(\s+\d+){7}$/);
    const df = await tspod(['system', 'df', '-v']);
    expect(df.exitCode, df.stderr).toBe(0);
    expect(df.stdout).toMatch(/^Images space usage:\n\nREPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+SHARED SIZE\s+UNIQUE SIZE\s+CONTAINERS\n/);
    expect(df.stdout).toMatch(/Containers space usage:\n\nCONTAINER ID[^\n]*\n[0-9a-f]{12} [^\n]*nsc\n/);
    expect(df.stdout).toMatch(/Local Volumes space usage:\n\nVOLUME NAME\s+LINKS\s+SIZE/);
  });

  it('container prune, init, pause/stats refusals, pod ps flags', async () => {
    await create('p1');
    const init = await tspod(['container', 'init', 'p1']);
    expect(init.exitCode, init.stderr).toBe(0);
    const pruned = await tspod(['container', 'prune', '-f']);
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/^[0-9a-f]{64}$/);
    expect((await tspod(['ps', '-a', '-q'])).stdout).toBe('');
    const stats = await tspod(['stats', '--no-stream']);
    expect(stats.exitCode).toBe(125);
    expect(stats.stderr).toMatch(/^Error: stats is not supported in rootless mode without cgroups v2$|^Error: stats: tspod does not place containers in cgroups/);
    const pod = await tspod(['pod', 'create', '--name', 'pp']);
    expect(pod.exitCode, pod.stderr).toBe(0);
    const pps = await tspod(['pod', 'ps', '--noheading', '--ctr-names', '--no-trunc']);
    expect(pps.stdout).toMatch(new RegExp(`^${pod.stdout.trim()}\\s+pp\\s`));
    expect(pps.stdout).not.toMatch(/POD ID/);
    expect((await tspod(['pod', 'ps', '--filter', 'name=nomatch', '--noheading'])).stdout).toBe('');
    const nsCols = await tspod(['pod', 'ps', '--ns']);
    expect(nsCols.stdout.split('\n')[0]).toMatch(/^POD ID\s+NAME\s+STATUS\s+CREATED\s+INFRA ID\s+CGROUP\s+NAMESPACES\s+# OF CONTAINERS$/);
    expect(nsCols.stdout.split('\n')[1]).toMatch(/\s(ipc|net|uts)(,(ipc|net|uts))*\s+1$/);
    const member = await tspod(['run', '-d', '--pod', 'pp', '--name', 'member', 'busybox', 'sleep', '60']);
    expect(member.exitCode, member.stderr).toBe(0);
    expect((await tspod(['pod', 'rm', '--all', 'pp'])).stderr).toBe('Error: when using the --all switch, you may not pass any pod names or IDs');
    const rmAll = await tspod(['pod', 'rm', '--all', '-f', '-t', '0']);
    expect(rmAll.exitCode, rmAll.stderr).toBe(0);
    expect((await tspod(['pod', 'exists', 'pp'])).exitCode).toBe(1);
    expect((await tspod(['container', 'exists', 'member'])).exitCode).toBe(1);
  });

  it('image tree and image diff; system migrate and renumber; completion from the flag tables', async () => {
    const tree = await tspod(['image', 'tree', 'busybox']);
    expect(tree.exitCode, tree.stderr).toBe(0);
    expect(tree.stdout).toMatch(/^Image ID: [0-9a-f]{12}\nTags:     \[.*busybox.*\]\nSize: .*\nImage Layers\n└── ID: [0-9a-f]{12} Size: .* Top Layer of: \[/);
    const diff = await tspod(['image', 'diff', 'busybox']);
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/^A \/bin$/m);
    expect((await tspod(['system', 'migrate'])).exitCode).toBe(0);
    expect((await tspod(['system', 'renumber'])).exitCode).toBe(0);
    expect((await tspod(['system', 'migrate', '--new-runtime', 'crun'])).stderr).toMatch(/^Error: --new-runtime crun: tspod runs every container with its own runtime/);
    const bash = await tspod(['completion', 'bash']);
    expect(bash.stdout).toMatch(/complete -o default -F _tspod tspod/);
    expect(bash.stdout).toMatch(/'ps'\) flags='[^']*--noheading/);
    for (const sh of ['zsh', 'fish', 'powershell']) expect((await tspod(['completion', sh])).exitCode).toBe(0);
    expect((await tspod(['completion', 'tcsh'])).exitCode).toBe(125);
  });
});
