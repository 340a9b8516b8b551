// images {{.History}} (every name an image has had) and {{.Labels}}, rmi of manifest lists,
// version's .Client/.Server fields. Budget: about 8 s.
import { afterAll, describe, expect, it } from 'vitest';
import { tspod } from './helpers.js';

afterAll(async () => {
  await tspod(['rmi', '-i', 'hist-a', 'hist-b', 'hist-c', 'mlist:1.0']);
});

describe('images fields, rmi of lists, version fields', () => {
  it('{{.History}} keeps names taken away, newest first; {{.Labels}} and json Labels are the config\'s', async () => {
    expect((await tspod(['tag', 'busybox', 'hist-a'])).exitCode).toBe(0);
    expect((await tspod(['tag', 'hist-a', 'hist-b'])).exitCode).toBe(0);
    expect((await tspod(['rmi', 'hist-b'])).stdout).toBe('Untagged: localhost/hist-b:latest');
    expect((await tspod(['tag', 'hist-a', 'hist-c'])).exitCode).toBe(0);
    expect((await tspod(['rmi', 'hist-c'])).exitCode).toBe(0);
    const h = await tspod(['images', 'hist-a', '--format', '{{.History}}']);
    expect(h.stdout).toMatch(/^localhost\/busybox:latest, localhost\/hist-a:latest, localhost\/hist-c:latest, localhost\/hist-b:latest/);
    const commit = await tspod(['run', '--name', 'histlabel', '--network', 'none', 'busybox', 'true']);
    expect(commit.exitCode, commit.stderr).toBe(0);
    expect((await tspod(['commit', '-q', '--change', 'LABEL team=blue', 'histlabel', 'hist-b'])).exitCode).toBe(0);
    await tspod(['rm', 'histlabel']);
    expect((await tspod(['images', 'hist-b', '--format', '{{.Labels.team}}'])).stdout).toBe('blue');
    const json = JSON.parse((await tspod(['images', 'hist-b', '--format', 'json'])).stdout) as Array<{ Labels: Record<string, string> }>;
    expect(json[0]!.Labels.team).toBe('blue');
  });

  it('rmi removes a manifest list as an image, and rmi -a takes lists too', async () => {
    expect((await tspod(['manifest', 'create', 'mlist:1.0'])).exitCode).toBe(0);
    const rm = await tspod(['rmi', 'mlist:1.0']);
    expect(rm.exitCode, rm.stderr).toBe(0);
    expect(rm.stdout).toMatch(/^Untagged: localhost\/mlist:1\.0\nDeleted: [0-9a-f]{64}$/);
    expect((await tspod(['manifest', 'exists', 'mlist:1.0'])).exitCode).toBe(1);
    // the name is free again
    expect((await tspod(['manifest', 'create', 'mlist:1.0'])).exitCode).toBe(0);
    expect((await tspod(['rmi', 'mlist:1.0'])).exitCode).toBe(0);
  });

  it('version --format: .Client and .Server (the same, locally, as podman) and the fields at the top', async () => {
    const v = await tspod(['version', '--format', '{{.Server.Version}}|{{.Client.Version}}|{{.Version}}|{{.Server.Built}}|{{.Client.APIVersion}}|{{.Client.Os}}']);
    expect(v.exitCode, v.stderr).toBe(0);
    const [server, client, top, built, api, os] = v.stdout.split('|');
    expect(server).toMatch(/^\d+\.\d+\.\d+/);
    expect([client, top, api, os]).toEqual([server, server, server, 'linux']);
    expect(Number(built)).toBeGreaterThan(0);
  });
});
