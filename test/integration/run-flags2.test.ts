// issue 12, second part: secrets (`tspod secret ...`, `run --secret`), and the run/create flags
// of the lifecycle and namespaces, as a podman user sees them. Budget: about 60 s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { tspod } from './helpers.js';

const none = ['--network', 'none'];
const run = (args: string[]) => tspod(['run', '--rm', ...none, ...args]);
const tmp = mkdtempSync(join(tmpdir(), 'tspod-flags2-'));
const secretFile = join(tmp, 'pw');
writeFileSync(secretFile, 'hunter2');

afterAll(async () => {
  await tspod(['rm', '-a', '-f']);
  await tspod(['secret', 'rm', '-a']);
  await tspod(['rmi', '-f', 'localhost/flags2-commit']);
});

describe('tspod secret', () => {
  it('create (file, stdin, --env), ls, inspect, rm as podman, kept mode 0600 in the store', async () => {
    const c = await tspod(['secret', 'create', '--label', 'a=b', 'pw', secretFile]);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^[0-9a-f]{25}$/);
    const fromStdin = await tspod(['secret', 'create', 'piped', '-'], { input: 'abc\n', stdin: undefined });
    expect(fromStdin.exitCode, fromStdin.stderr).toBe(0);
    const fromEnv = await tspod(['secret', 'create', '--env', 'envd', 'FLAGS2_VAR'], { env: { ...process.env, ...inject('tspodEnv'), FLAGS2_VAR: 'v' } });
    expect(fromEnv.exitCode, fromEnv.stderr).toBe(0);

    const dir = join(inject('tspodEnv').XDG_DATA_HOME!, 'tspod', 'secrets');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of [join(dir, 'secrets.json'), ...readdirSync(join(dir, 'filedriver')).map((n) => join(dir, 'filedriver', n))]) {
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }

    const again = await tspod(['secret', 'create', 'pw', secretFile]);
    expect([again.exitCode, again.stderr]).toEqual([125, 'Error: pw: secret name in use']);
    const badName = await tspod(['secret', 'create', 'b/ad', secretFile]);
    expect(badName.stderr).toBe('Error: only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: b/ad: invalid secret name');
    const empty = join(tmp, 'empty');
    writeFileSync(empty, '');
    expect((await tspod(['secret', 'create', 'e', empty])).stderr).toBe('Error: secret data must be larger than 0 and less than 512000 bytes');

    const ls = await tspod(['secret', 'ls']);
    expect(ls.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+DRIVER\s+CREATED\s+UPDATED$/);
    expect(ls.stdout).toMatch(new RegExp(`${c.stdout}\\s+pw\\s+file\\s+(Less than a second|\\d+ seconds?) ago`));
    expect((await tspod(['secret', 'ls', '-q'])).stdout.split('\n')).toContain(c.stdout);
    expect((await tspod(['secret', 'ls', '--filter', 'name=pip', '--format', '{{.Name}} {{.Driver}}'])).stdout).toBe('piped file');
    expect((await tspod(['secret', 'ls', '--noheading', '--format', 'table {{.Name}}'])).stdout.split('\n').sort()).toEqual(['envd', 'piped', 'pw']);
    expect((await tspod(['secret', 'ls', '--filter', 'bogus=1'])).stderr).toBe('Error: invalid filter "bogus"');

    const ins = await tspod(['secret', 'inspect', 'pw']);
    const [rep] = JSON.parse(ins.stdout) as Array<Record<string, unknown>>;
    expect(Object.keys(rep!)).toEqual(['ID', 'CreatedAt', 'UpdatedAt', 'Spec']);
    expect(rep!.Spec).toEqual({ Name: 'pw', Driver: { Name: 'file', Options: { path: join(dir, 'filedriver') } }, Labels: { a: 'b' } });
    expect((await tspod(['secret', 'inspect', '--format', '{{.Spec.Name}}={{.ID}}', 'pw'])).stdout).toBe(`pw=${c.stdout}`);
    expect((await tspod(['secret', 'inspect', '--pretty', 'pw'])).stdout).toMatch(/^ID:\s+\w{25}\nName:\s+pw\nLabels:\n - a=b\nDriver:\s+file\nCreated at:/);
    const missing = await tspod(['secret', 'inspect', 'nope']);
    expect([missing.exitCode, missing.stderr]).toEqual([125, 'Error: inspecting secret: no secret with name or id "nope": no such secret']);

    const rm = await tspod(['secret', 'rm', 'piped', 'nope']);
    expect(rm.exitCode).toBe(125);
    expect(rm.stdout).toMatch(/^[0-9a-f]{25}$/);
    expect(rm.stderr).toBe('Error: no secret with name or id "nope": no such secret');
    expect((await tspod(['secret', 'rm'])).stderr).toBe('Error: `tspod secret rm` requires one argument, or the --all flag');
    await tspod(['secret', 'rm', 'envd']);
  });

  it('run --secret: a file at /run/secrets/NAME or a variable, uid/gid/mode, refused when missing', async () => {
    const r = await run(['--secret', 'pw', '--secret', 'source=pw,type=env,target=PW', '--secret', 'pw,target=/etc/pw,uid=5,gid=6,mode=0400', 'busybox', 'sh', '-c',
      'cat /run/secrets/pw; echo; echo $PW; ls -ln /etc/pw /run/secrets/pw | cut -c1-10,11-60 | tr -s " " | cut -d" " -f1,3,4; touch /run/secrets/x 2>/dev/null || echo ro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['hunter2', 'hunter2', '-r-------- 5 6', '-r--r--r-- 0 0', 'ro']);
    const missing = await run(['--secret', 'nope', 'busybox', 'true']);
    expect([missing.exitCode, missing.stderr]).toEqual([125, 'Error: no secret with name or id "nope": no such secret']);
    const badType = await run(['--secret', 'pw,type=bogus', 'busybox', 'true']);
    expect(badType.stderr).toBe('Error: type bogus is invalid: parsing secret');
    const envMode = await run(['--secret', 'pw,type=env,uid=1', 'busybox', 'true']);
    expect(envMode.stderr).toBe('Error: UID, GID, Mode options cannot be set with secret type env: parsing secret');
  });

  it('is never part of diff, commit or export; inspect names it, its Env does not hold it', async () => {
    const c = await tspod(['run', ...none, '--name', 'sec1', '--secret', 'pw', '--secret', 'pw,type=env,target=PW', 'busybox', 'sh', '-c', 'echo hi > /f']);
    expect(c.exitCode, c.stderr).toBe(0);
    // podman shows the same two lines (tspod's /etc mount points change /etc)
    expect((await tspod(['diff', 'sec1'])).stdout).toBe('C /etc\nA /f');
    const ins = JSON.parse((await tspod(['inspect', 'sec1'])).stdout) as Array<{ Config: { Env: string[]; Secrets: Array<{ Name: string; Mode: number }> } }>;
    expect(ins[0]!.Config.Secrets.map((s) => [s.Name, s.Mode])).toEqual([['pw', 0o444], ['pw', 0o444]]);
    expect(ins[0]!.Config.Env.join('\n')).not.toContain('hunter2');
    const tarFile = join(tmp, 'export.tar');
    expect((await tspod(['export', '-o', tarFile, 'sec1'])).exitCode).toBe(0);
    const names = execFileSync('tar', ['tf', tarFile], { encoding: 'utf8' });
    expect(names).not.toMatch(/run\/secrets\/pw/);
    expect(execFileSync('tar', ['xOf', tarFile], { encoding: 'latin1', maxBuffer: 1 << 28 })).not.toContain('hunter2');
    const commit = await tspod(['commit', '-q', 'sec1', 'localhost/flags2-commit']);
    expect(commit.exitCode, commit.stderr).toBe(0);
    const fromImage = await run(['localhost/flags2-commit', 'sh', '-c', 'cat /f; ls -A /run/secrets 2>&1; echo "[$PW]"']);
    expect(fromImage.stdout).toBe('hi\nls: /run/secrets: No such file or directory\n[]');
  });
});
