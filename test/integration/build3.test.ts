// `tspod build` as podman 4.3's own system tests use it: `buildx build` (and `builder`), -f
// without a context (the Containerfile's directory is the context), a failing RUN's exit status
// as tspod's, the global --default-mounts-file (mounts.conf) in RUN steps and in containers,
// rmi taking the unnamed step images with it, and COPY --from of files only the user
// namespace's root can read.
// Budget: about 25 s (about a dozen small builds over the busybox test image, --network none).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tspod, buildContext } from './helpers.js';

const base = mkdtempSync(join(tmpdir(), 'tspod-build3-'));
const images = ['b3-tree', 'b3-base', 'b3-x', 'b3-builder', 'b3-f', 'b3-mounts', 'b3-rmi', 'b3-rmi2', 'b3-from'];
afterAll(async () => {
  await tspod(['rmi', '-f', ...images]);
  rmSync(base, { recursive: true, force: true });
});

const context = (name: string, files: Record<string, string>) => buildContext(base, name, files);

const build = (args: string[], opts: Parameters<typeof tspod>[1] = {}) => tspod(['build', '--network', 'none', ...args], opts);
const runIn = async (args: string[], image: string, script: string) => tspod([...args, 'run', '--rm', '--network', 'none', image, 'sh', '-c', script]);
const allImageIds = async () => (await tspod(['images', '-a', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean);

describe('tspod build, as podman\'s system tests use it', () => {
  it('builds with `buildx build --load` and `builder build`, and exits with a failing RUN\'s own status', async () => {
    // VOLUME with single quotes is not JSON: its words ("[/etc/foo," and "/etc/bar]") are taken from /
    const dir = context('buildx', { Containerfile: 'FROM busybox\nRUN echo buildx > /made\nVOLUME [\'/etc/foo\', \'/etc/bar\']\n' });
    const r = await tspod(['buildx', 'build', '--load', '--progress=plain', '--network', 'none', '-t', 'b3-x', dir]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('COMMIT b3-x');
    expect((await runIn([], 'b3-x', 'cat /made; find /[ /etc/bar]')).stdout).toBe('buildx\n/[\n/[/etc\n/[/etc/foo,\n/etc/bar]');
    expect((await tspod(['builder', 'build', '-q', '--network', 'none', '-t', 'b3-builder', dir])).exitCode).toBe(0);
    expect((await tspod(['image', 'exists', 'b3-builder'])).exitCode).toBe(0);

    const failing = context('failing', { Containerfile: 'FROM busybox\nRUN exit 7\n' });
    const f = await build([failing]);
    expect(f.exitCode).toBe(7);
    expect(f.stderr).toContain('Error: building at STEP "RUN exit 7": while running runtime: exit status 7');
  });

  it('takes the directory of the first -f file as the context when none is given, and wants one of them', async () => {
    const dir = context('fonly', { 'Containerfile.x': 'FROM busybox\nCOPY . /ctx/\n', 'here.txt': 'in the context\n' });
    const elsewhere = context('elsewhere', { 'there.txt': 'not in the context\n' });
    const r = await build(['-t', 'b3-f', '-f', join(dir, 'Containerfile.x')], { cwd: elsewhere });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect((await runIn([], 'b3-f', 'ls /ctx')).stdout.split('\n')).toEqual(['Containerfile.x', 'here.txt']);
    const none = await build([], { cwd: dir });
    expect(none.exitCode).toBe(125);
    expect(none.stderr).toMatch(/^Error: no context directory and no Containerfile specified/);
  });

  it('copies the sources of --default-mounts-file into RUN steps and containers, never into the image or back to the host', async () => {
    const secrets = join(base, 'secrets');
    mkdirSync(secrets, { recursive: true });
    writeFileSync(join(secrets, 'token'), 'shh-123\n');
    const conf = join(base, 'mounts.conf');
    writeFileSync(conf, `# podman's format\n${secrets}:/run/secrets\n${join(base, 'missing')}:/run/missing\n`);
    const dir = context('mounts', { Containerfile: 'FROM busybox\nRUN cat /run/secrets/token; echo changed > /run/secrets/token; echo x > /kept\n' });
    const r = await tspod([`--default-mounts-file=${conf}`, 'build', '--network', 'none', '-t', 'b3-mounts', dir]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toContain('shh-123');
    expect(readFileSync(join(secrets, 'token'), 'utf8')).toBe('shh-123\n'); // a copy was written, not the host's file
    // nothing of the mount in the image: neither the files nor the mount point
    // (/run/.containerenv is every container's own, mounted at run time)
    expect((await runIn([], 'b3-mounts', 'cat /kept; ls -A /run | grep -vx .containerenv')).stdout).toBe('x');
    const withIt = await runIn([`--default-mounts-file=${conf}`], 'b3-mounts', 'cat /run/secrets/token; ls /run/missing >/dev/null 2>&1 || echo no-missing');
    expect(withIt.stdout).toBe('shh-123\nno-missing');
    // a -v at the same place wins over the default mount
    const over = join(base, 'over');
    mkdirSync(over, { recursive: true });
    writeFileSync(join(over, 'token'), 'mine\n');
    const v = await tspod([`--default-mounts-file=${conf}`, 'run', '--rm', '--network', 'none', '-v', `${over}:/run/secrets`, 'b3-mounts', 'cat', '/run/secrets/token']);
    expect(v.stdout).toBe('mine');
  });

  it('COPY --from reads files only the user namespace\'s root can read, keeping their owners and modes', async () => {
    const dir = context('from', { Containerfile: [
      'FROM busybox AS made',
      'RUN mkdir -p /d/sub && echo zero > /d/f0 && chmod 000 /d/f0 && echo six > /d/f6 && chown 1234:2345 /d/f6 && chmod 600 /d/f6'
        + ' && echo x > /d/sub/x && chown 1234 /d/sub && chmod 700 /d/sub && mkdir /p && echo pub > /p/pub && chown -R 1234:2345 /p',
      'FROM busybox',
      'COPY --from=made /d /e',
      'COPY --from=made /d/f6 /single',
      'COPY --from=made /p /p',
      'COPY --from=0 --chown=7:8 /d/sub /owned/',
      'RUN --mount=type=bind,from=made,source=/d,target=/m cat /m/f0 /m/sub/x > /through-mount',
      'COPY --from=made /d/nothing /x',
    ].join('\n') + '\n' });
    const missing = await build(['-t', 'b3-from', dir]);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr).toContain('"/d/nothing": no such file or directory');
    writeFileSync(join(dir, 'Containerfile'), readFileSync(join(dir, 'Containerfile'), 'utf8').replace('COPY --from=made /d/nothing /x\n', ''));
    const r = await build(['--no-cache', '-t', 'b3-from', dir]); // the copies run, whatever an earlier run left
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const seen = await runIn([], 'b3-from', 'cd /; stat -c "%n %u:%g %a" e/f0 e/f6 e/sub e/sub/x single owned/x p p/pub; cat e/f0 e/f6 e/sub/x single /through-mount');
    expect(seen.stdout.split('\n')).toEqual([
      'e/f0 0:0 0', 'e/f6 1234:2345 600', 'e/sub 1234:0 700', 'e/sub/x 0:0 644', 'single 1234:2345 600', 'owned/x 7:8 644', 'p 0:0 755', 'p/pub 1234:2345 644', // the destination directory itself is made 0:0, as podman's
      'zero', 'six', 'x', 'six', 'zero', 'x',
    ]);
  });

  it('image tree --whatrequires lists what was built on an image nearest first; info names the build behaviour followed', async () => {
    const baseDir = context('tree-base', { Containerfile: `FROM busybox\nRUN echo ${Date.now()} > /base\n` });
    expect((await build(['--no-cache', '-t', 'b3-base', baseDir])).exitCode).toBe(0);
    const dir = context('tree', { Containerfile: 'FROM b3-base\nRUN echo a > /a\nLABEL x=1\nRUN echo b > /b\n' });
    expect((await build(['--no-cache', '-t', 'b3-tree', dir])).exitCode).toBe(0);
    const lines = (await tspod(['image', 'tree', '--whatrequires', 'b3-base'])).stdout.trim().split('\n');
    expect(lines.slice(4)).toHaveLength(3);
    expect(lines.at(-1)).toMatch(/^└── ID: [0-9a-f]{12} Top Layer of: \[localhost\/b3-tree:latest\]$/);
    expect((await tspod(['info', '--format', '{{ .Host.BuildahVersion }}'])).stdout).toMatch(/^[1-9][0-9.-]+$/);
  });

  it('rmi removes the unnamed step images the image was built on, unless another image is built on them', async () => {
    const before = await allImageIds();
    const dir = context('rmi', { Containerfile: 'FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n' });
    expect((await build(['-t', 'b3-rmi', dir])).exitCode).toBe(0);
    const made = (await allImageIds()).filter((id) => !before.includes(id));
    expect(made).toHaveLength(2);
    const rmi = await tspod(['rmi', 'b3-rmi']);
    expect(rmi.exitCode).toBe(0);
    const deleted = rmi.stdout.split('\n').filter((l) => l.startsWith('Deleted: '));
    expect(deleted).toHaveLength(2);
    expect(await allImageIds()).toEqual(before);
    // a second image on the same first step keeps that step's image when the first goes
    expect((await build(['-t', 'b3-rmi', dir])).exitCode).toBe(0);
    const other = context('rmi2', { Containerfile: 'FROM busybox\nRUN echo one > /one\nRUN echo three > /three\n' });
    const second = await build(['-t', 'b3-rmi2', other]);
    expect(second.stdout).toContain('--> Using cache');
    expect((await tspod(['rmi', 'b3-rmi'])).stdout.split('\n').filter((l) => l.startsWith('Deleted: '))).toHaveLength(1);
    expect((await runIn([], 'b3-rmi2', 'cat /one /three')).stdout).toBe('one\nthree');
    expect((await tspod(['rmi', 'b3-rmi2'])).stdout.split('\n').filter((l) => l.startsWith('Deleted: '))).toHaveLength(2);
    expect(await allImageIds()).toEqual(before);
  });

  it('RUN --mount=type=bind,from= refuses a symbolic link in the stage (it would be followed on the host)', async () => {
    const dir = context('mountlink', { Containerfile: 'FROM busybox AS s\nRUN ln -s / /h\nFROM busybox\nRUN --mount=type=bind,from=s,source=/h,target=/x,rw=true ls /x/etc/hostname\n' });
    const r = await build(['-t', 'b3-mountlink', dir]);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain('/h in s is a symbolic link');
    expect((await tspod(['image', 'exists', 'b3-mountlink'])).exitCode).toBe(1);
  });
});
