// `container clone`: a copy made as the original was made, with clone's own name, resource
// flags and --destroy/--run. Budget: about 15 s.
import { afterAll, describe, expect, it } from 'vitest';
import { tspod } from './helpers.js';

afterAll(async () => {
  await tspod(['rm', '-f', '-t', '0', 'orig', 'orig-clone', 'orig-clone1', 'copy2', 'moved']);
});

describe('container clone', () => {
  it('copies command, environment and labels; names ORIGINAL-clone, then -clone1; --run starts it; --destroy removes the original', async () => {
    const orig = await tspod(['create', '--name', 'orig', '--network', 'none', '-e', 'GREETING=hi', '--label', 'team=a', '--memory', '64m', 'busybox', 'sh', '-c', 'echo $GREETING; sleep 60']);
    expect(orig.exitCode, orig.stderr).toBe(0);
    const c1 = await tspod(['container', 'clone', 'orig']);
    expect(c1.exitCode, c1.stderr).toBe(0);
    const show = async (ref: string) => (await tspod(['inspect', '--format', '{{.Name}} {{.Config.Labels.team}} {{.HostConfig.Memory}} {{join .Config.Cmd " "}}', ref])).stdout;
    expect(await show('orig-clone')).toBe('orig-clone a 67108864 sh -c echo $GREETING; sleep 60');
    expect((await tspod(['container', 'clone', 'orig'])).exitCode).toBe(0);
    expect((await tspod(['container', 'exists', 'orig-clone1'])).exitCode).toBe(0);
    // A name as operand, resource flags of its own, and --run.
    const c2 = await tspod(['container', 'clone', '--memory', '32m', '--run', 'orig', 'copy2']);
    expect(c2.exitCode, c2.stderr).toBe(0);
    expect(await show('copy2')).toBe('copy2 a 33554432 sh -c echo $GREETING; sleep 60');
    expect((await tspod(['inspect', '--format', '{{.State.Status}}', 'copy2'])).stdout).toBe('running');
    expect((await tspod(['inspect', '--format', '{{.State.Status}}', 'orig'])).stdout).toBe('created');
    // --destroy takes the original away; a running one needs --force.
    expect((await tspod(['container', 'clone', '--destroy', 'copy2', 'moved'])).exitCode).not.toBe(0);
    const moved = await tspod(['container', 'clone', '--destroy', '--force', 'copy2', 'moved']);
    expect(moved.exitCode, moved.stderr).toBe(0);
    // a clone of a clone keeps what the first clone changed
    expect(await show('moved')).toBe('moved a 33554432 sh -c echo $GREETING; sleep 60');
    expect((await tspod(['container', 'exists', 'copy2'])).exitCode).toBe(1);
    const missing = await tspod(['container', 'clone', 'nothere']);
    expect([missing.exitCode, missing.stderr]).toEqual([125, 'Error: no container with name or ID "nothere" found: no such container']);
  });
});
