// --format as podman: Go templates over ps/images/inspect rows, podman's table headers and
// alignment, `{{json .}}`, and template errors as exit 125 with Go's message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tspod } from './helpers.js';

let id = '';
beforeAll(async () => {
  const r = await tspod(['create', '--network', 'none', '--name', 'fmt1', '--label', 'app=web', 'busybox', 'true']);
  expect(r.exitCode).toBe(0);
  id = r.stdout.trim();
});
afterAll(async () => {
  await tspod(['rm', '-f', 'fmt1']);
});

const ps = (format: string) => tspod(['ps', '-a', '--filter', 'name=fmt1', '--format', format]);

describe('--format templates', () => {
  it('a template that does not parse is exit 125 with Go\'s wording (podman 4.3.1: same text)', async () => {
    const r = await ps('{{');
    expect(r.exitCode).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('Error: template: ps:1: unexpected "{" in command');
    const unclosed = await ps('{{if .Names}}x');
    expect([unclosed.exitCode, unclosed.stderr]).toEqual([125, 'Error: template: ps:1: unexpected EOF']);
  });

  it('an unknown field is an error on rows, a missing label <no value>', async () => {
    const r = await ps('{{.XYZ}}');
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toBe('Error: template: ps:1:13: executing "ps" at <.XYZ>: can\'t evaluate field XYZ in type containers.psReporter');
    expect((await ps('{{.Labels.app}} {{.Labels.nope}} {{index .Labels "app"}} {{.Names | upper}}')).stdout).toBe('web <no value> web FMT1');
    const insp = await tspod(['inspect', '--format', '{{.XYZ}}', 'fmt1']);
    expect(insp.exitCode).toBe(125);
    expect(insp.stderr).toMatch(/can't evaluate field XYZ/);
  });

  it('functions in pipelines: images {{.ID | upper}}', async () => {
    const ids = (await tspod(['images', '--format', '{{.ID}}'])).stdout;
    const upper = await tspod(['images', '--format', '{{.ID | upper}}']);
    expect(upper.exitCode).toBe(0);
    expect(upper.stdout).not.toContain('<no value>');
    expect(upper.stdout).toBe(ids.toUpperCase());
    expect(upper.stdout).toMatch(/^[0-9A-F]{12}/);
  });

  it('table: podman\'s headers, columns aligned (minwidth 12, padding 2)', async () => {
    const r = await ps('table {{.ID}}\\t{{.Names}} {{.State}}');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`CONTAINER ID  NAMES       STATE\n${id.slice(0, 12)}  fmt1        created`);
    const img = await tspod(['images', '--filter', 'reference=localhost/busybox', '--format', 'table {{.ID}} {{.Repository}}']);
    expect(img.stdout.split('\n')[0]).toBe('IMAGE ID      REPOSITORY');
  });

  it('json: {{json .}} lists like --format json; {{json .Config}} in inspect', async () => {
    const all = JSON.parse((await ps('{{json .}}')).stdout) as Array<{ Id: string }>;
    expect(all.map((c) => c.Id)).toEqual([id]);
    const cfg = JSON.parse((await tspod(['inspect', '--format', '{{json .Config}}', 'fmt1'])).stdout) as { Labels: Record<string, string> };
    expect(cfg.Labels.app).toBe('web');
  });
});
