// `pod clone`: a new pod made as the original was (its labels, hostname, exit policy), with
// clone's own flags over it, its containers cloned into it; --destroy and --start.
// Budget: about 20 s.
import { afterAll, describe, expect, it } from 'vitest';
import { tspod } from './helpers.js';

afterAll(async () => {
  await tspod(['pod', 'rm', '-f', '-t', '0', 'pco', 'pco-clone', 'pco-clone1', 'pcmoved', 'pcnamed']);
});

describe('pod clone', () => {
  it('copies the pod and its containers; names ORIGINAL-clone, then -clone1; flags override; --destroy and --start', async () => {
    expect((await tspod(['pod', 'create', '--name', 'pco', '--label', 'team=a', '--hostname', 'pchost', '--exit-policy', 'stop'])).exitCode).toBe(0);
    const member = await tspod(['create', '--pod', 'pco', '--name', 'pcm', '-e', 'GREETING=hi', 'busybox', 'sh', '-c', 'echo $GREETING from $(hostname); sleep 60']);
    expect(member.exitCode, member.stderr).toBe(0);

    const c1 = await tspod(['pod', 'clone', 'pco']);
    expect(c1.exitCode, c1.stderr).toBe(0);
    expect(c1.stdout).toMatch(/^[0-9a-f]{64}$/);
    const show = async (ref: string) => (await tspod(['pod', 'inspect', '--format', '{{.Name}} {{.Hostname}} {{.Labels.team}} {{.ExitPolicy}} {{.NumContainers}}', ref])).stdout;
    expect(await show('pco-clone')).toBe('pco-clone pchost a stop 2');
    expect((await tspod(['pod', 'inspect', '--format', '{{.Id}}', 'pco-clone'])).stdout).toBe(c1.stdout);
    // its member: a clone of the original's, in the new pod, made as the original was
    const m = await tspod(['inspect', '--format', '{{.Pod}} {{join .Config.Cmd " "}}', 'pcm-clone']);
    expect(m.stdout).toBe(`${c1.stdout} sh -c echo $GREETING from $(hostname); sleep 60`);
    // the original is untouched
    expect(await show('pco')).toBe('pco pchost a stop 2');
    expect((await tspod(['inspect', '--format', '{{.Pod}}', 'pcm'])).stdout).toBe((await tspod(['pod', 'inspect', '--format', '{{.Id}}', 'pco'])).stdout);

    // a second clone: the next free name; pod clone's own flags replace the original's and add labels
    const c2 = await tspod(['pod', 'clone', '--hostname', 'otherhost', '--label', 'extra=1', 'pco']);
    expect(c2.exitCode, c2.stderr).toBe(0);
    expect(await show('pco-clone1')).toBe('pco-clone1 otherhost a stop 2');
    expect((await tspod(['pod', 'inspect', '--format', '{{.Labels.extra}}', 'pco-clone1'])).stdout).toBe('1');

    // NAME as an operand, --start: the new pod runs, its member sees the pod's hostname
    const started = await tspod(['pod', 'clone', '--start', 'pco-clone1', 'pcnamed']);
    expect(started.exitCode, started.stderr).toBe(0);
    const ps = await tspod(['pod', 'ps', '--filter', 'name=^pcnamed$', '--format', '{{.Name}} {{.Status}}']);
    expect(ps.stdout).toBe('pcnamed Running');
    const members = await tspod(['ps', '--filter', `pod=pcnamed`, '--format', '{{.Names}} {{.State}}']);
    expect(members.stdout.split('\n').filter((l) => !l.includes('-infra '))).toEqual(['pcm-clone2 running']);
    // and a clone of a clone keeps what the first clone changed
    expect(await show('pcnamed')).toBe('pcnamed otherhost a stop 2');

    // --destroy: the original pod and its containers go (a running one too)
    const moved = await tspod(['pod', 'clone', '--destroy', '--name', 'pcmoved', 'pcnamed']);
    expect(moved.exitCode, moved.stderr).toBe(0);
    expect((await tspod(['pod', 'exists', 'pcnamed'])).exitCode).toBe(1);
    expect((await tspod(['container', 'exists', 'pcm-clone2'])).exitCode).toBe(1);
    expect(await show('pcmoved')).toBe('pcmoved otherhost a stop 2');

    // podman's errors: an unknown pod, an argument count out of range, a taken name
    const missing = await tspod(['pod', 'clone', 'nothere']);
    expect([missing.exitCode, missing.stderr]).toEqual([125, 'Error: no pod with name or ID nothere found: no such pod']);
    const none = await tspod(['pod', 'clone']);
    expect([none.exitCode, none.stderr.split('\n')[0]]).toEqual([125, 'Error: accepts between 1 and 2 arg(s), received 0']);
    const three = await tspod(['pod', 'clone', 'a', 'b', 'c']);
    expect([three.exitCode, three.stderr.split('\n')[0]]).toEqual([125, 'Error: accepts between 1 and 2 arg(s), received 3']);
    const before = (await tspod(['ps', '-a', '-q', '--no-trunc'])).stdout;
    const taken = await tspod(['pod', 'clone', 'pco', 'pcmoved']);
    expect(taken.exitCode).toBe(125);
    expect(taken.stderr).toMatch(/pcmoved/);
    // a refused clone leaves no container behind
    expect((await tspod(['ps', '-a', '-q', '--no-trunc'])).stdout).toBe(before);
  });
});
