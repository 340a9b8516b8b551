// `tspod build` beyond the first version: its inputs (several -f, -f -, a tar or stdin
// context, --ignorefile, hostile archives), the flags that shape the image (--format
// docker, --annotation, --env, --unsetenv, --timestamp, --squash, --squash-all,
// --omit-history, --output, --from, --jobs), the refusals, RUN --mount and --network,
// here-documents, ADD of URLs and archives, ONBUILD triggers, and the cache.
// Budget: about 60 s (some thirty builds over the busybox test image; most RUN steps
// use --network none).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { rawTar } from './fixtures.js';
import { testCredentials } from './registries.js';
import { testEnv, tspod, buildContext } from './helpers.js';

const base = mkdtempSync(join(tmpdir(), 'tspod-build2-'));
const images = ['b2-in', 'b2-tar', 'b2-stdin', 'b2-docker', 'b2-child', 'b2-flags', 'b2-squash', 'b2-all', 'b2-mounts', 'b2-here', 'b2-add', 'b2-jobs', 'b2-from', 'b2-pulled', 'b2-runflags'];
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/files/remote.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('from the server\n');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await tspod(['rmi', '-f', ...images]);
  rmSync(base, { recursive: true, force: true });
});

const context = (name: string, files: Record<string, string>) => buildContext(base, name, files);

const build = (args: string[], opts: Parameters<typeof tspod>[1] = {}) => tspod(['build', '--network', 'none', ...args], opts);
const inspect = async (image: string, tmpl: string) => (await tspod(['image', 'inspect', '--format', tmpl, image])).stdout.trim();
const runIn = async (image: string, script: string) => (await tspod(['run', '--rm', '--network', 'none', '--entrypoint', '', image, 'sh', '-c', script])).stdout;

describe('tspod build inputs', () => {
  it('reads several -f in order, -f - from stdin, and .dockerignore/--ignorefile with Docker\'s rules', async () => {
    const dir = context('inputs', {
      'one.Containerfile': 'FROM busybox\nCOPY . /ctx/\n',
      'two.Containerfile': 'CMD ["ls", "-R", "/ctx"]\n',
      '.dockerignore': '**/*.log\nsecret*\n!secret-but-kept.txt\nbuild\n',
      'app.txt': 'app\n',
      'deep/a/x.log': 'log\n',
      'deep/a/y.txt': 'y\n',
      'secret.txt': 's\n',
      'secret-but-kept.txt': 'k\n',
      'build/out.bin': 'bin\n',
      'other.ignore': 'app.txt\n',
    });
    linkSync(join(dir, 'app.txt'), join(dir, 'deep/a/applink.txt'));
    const r = await build(['-t', 'b2-in', '-f', join(dir, 'one.Containerfile'), '-f', join(dir, 'two.Containerfile'), dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('STEP 3/3: CMD ["ls", "-R", "/ctx"]');
    const files = (await runIn('b2-in', 'cd /ctx && find . -type f | sort')).split('\n');
    expect(files).toEqual(['./.dockerignore', './app.txt', './deep/a/applink.txt', './deep/a/y.txt', './one.Containerfile', './other.ignore', './secret-but-kept.txt', './two.Containerfile']);
    // hard links stay one file
    const [i1, i2] = (await runIn('b2-in', 'stat -c %i /ctx/app.txt /ctx/deep/a/applink.txt')).split('\n');
    expect(i1).toBe(i2);

    // --ignorefile replaces .dockerignore; the Containerfile from stdin
    writeFileSync(join(base, 'stdin.Containerfile'), 'FROM busybox\nCOPY . /ctx/\n');
    const s = await build(['-t', 'b2-stdin', '--ignorefile', join(dir, 'other.ignore'), '-f', '-', dir], { stdin: { file: join(base, 'stdin.Containerfile') } });
    expect(s.exitCode, s.stderr).toBe(0);
    const listed = await runIn('b2-stdin', 'ls /ctx');
    expect(listed).not.toContain('app.txt');
    expect(listed).toContain('secret.txt');
  });

  it('takes the context as a tar archive (a file or stdin) and refuses a hostile one', async () => {
    const src = context('tarctx', { Containerfile: 'FROM busybox\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n', 'hello.txt': 'from a tar context\n' });
    const tarFile = join(base, 'ctx.tar.gz');
    execFileSync('tar', ['-czf', tarFile, '-C', src, '.']);
    const r = await build(['-t', 'b2-tar', tarFile]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await tspod(['run', '--rm', '--network', 'none', 'b2-tar'])).stdout).toBe('from a tar context');

    const s = await build(['-q', '-t', 'b2-stdin', '-'], { stdin: { file: tarFile } });
    expect(s.exitCode, s.stderr).toBe(0);
    expect(s.stdout.trim()).toBe(await inspect('b2-tar', '{{.Id}}'));

    // an archive entry that climbs out, and a symlink to the host's /etc/shadow in it
    const evil = join(base, 'evil.tar');
    writeFileSync(evil, rawTar([{ path: 'Containerfile', body: 'FROM busybox\nCOPY shadow /x\n' }, { path: '../escaped', body: 'x' }]));
    const e = await build(['-t', 'b2-evil', evil]);
    expect(e.exitCode).toBe(125);
    expect(e.stderr).toMatch(/cannot be unpacked/);
    expect(existsSync(join(base, 'escaped'))).toBe(false);
    writeFileSync(evil, rawTar([{ path: 'Containerfile', body: 'FROM busybox\nCOPY shadow /x\n' }, { path: 'shadow', type: 'SymbolicLink', linkpath: '/etc/shadow' }]));
    const l = await build(['-t', 'b2-evil', evil]);
    expect(l.exitCode).toBe(125);
    expect(l.stderr).toContain('possible escaping context directory');
  });
});

describe('tspod build flags', () => {
  it('--stdin feeds RUN, --logfile takes the build\'s lines, --rm=false keeps the step\'s container', async () => {
    const dir = context('stdin', { Containerfile: 'FROM busybox\nRUN cat > /in.txt\n' });
    writeFileSync(join(base, 'stdin-data'), 'piped in\n');
    const log = join(base, 'build.log');
    const before = (await tspod(['ps', '-a', '-q'])).stdout.split('\n').filter(Boolean);
    const r = await build(['--stdin', '--no-cache', '--rm=false', '--logfile', log, '-t', 'b2-stdin', dir], { stdin: { file: join(base, 'stdin-data') } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('STEP');
    expect(readFileSync(log, 'utf8')).toContain('STEP 2/2: RUN cat > /in.txt');
    expect(await runIn('b2-stdin', 'cat /in.txt')).toBe('piped in');
    const kept = (await tspod(['ps', '-a', '-q'])).stdout.split('\n').filter((id) => id && !before.includes(id));
    expect(kept).toHaveLength(1);
    await tspod(['rm', ...kept]);
  });

  it('--format docker keeps HEALTHCHECK, SHELL and ONBUILD; the triggers run in a child build', async () => {
    const dir = context('docker', {
      Containerfile: [
        'FROM busybox',
        'SHELL ["/bin/sh", "-ec"]',
        'HEALTHCHECK --interval=5s --retries=2 CMD ["true"]',
        'ONBUILD RUN echo triggered > /onbuild.txt',
        'RUN echo "shell is $0"',
      ].join('\n'),
    });
    const r = await build(['--format', 'docker', '-t', 'b2-docker', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('not supported for OCI');
    expect(r.stdout).toContain('shell is /bin/sh');
    expect(await inspect('b2-docker', '{{json .Config.Healthcheck}}')).toBe('{"Test":["CMD","true"],"Interval":5000000000,"Retries":2}');
    expect(await inspect('b2-docker', '{{json .Config.Shell}}|{{json .Config.OnBuild}}|{{.ManifestType}}'))
      .toBe('["/bin/sh","-ec"]|["RUN echo triggered > /onbuild.txt"]|application/vnd.docker.distribution.manifest.v2+json');

    const child = context('child', { Containerfile: 'FROM b2-docker\nCMD ["cat", "/onbuild.txt"]\n' });
    const c = await build(['-t', 'b2-child', child], { env: { ...testEnv(), BUILDAH_FORMAT: 'docker' } });
    expect(c.exitCode, c.stderr).toBe(0);
    expect(await inspect('b2-child', '{{.ManifestType}}')).toBe('application/vnd.docker.distribution.manifest.v2+json'); // BUILDAH_FORMAT
    expect((await tspod(['run', '--rm', '--network', 'none', 'b2-child'])).stdout).toBe('triggered');
    expect(await inspect('b2-child', '{{json .Config.OnBuild}}')).not.toContain('triggered');
  });

  it('--annotation, --env, --unsetenv, --timestamp, --label, --omit-history, --from shape the image', async () => {
    const dir = context('flags', { Containerfile: 'FROM no-such-base\nENV DROPME=1 KEEP=2\nRUN echo made > /made\n' });
    const r = await build(['-t', 'b2-flags', '--from', 'busybox', '--annotation', 'org.example.a=b', '--env', 'ADDED=yes',
      '--unsetenv', 'DROPME', '--timestamp', '1000000000', '--label', 'l=v', '--omit-history', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('STEP 1/3: FROM busybox');
    const env = JSON.parse(await inspect('b2-flags', '{{json .Config.Env}}')) as string[];
    expect(env).toEqual(expect.arrayContaining(['KEEP=2', 'ADDED=yes']));
    expect(env.some((e) => e.startsWith('DROPME='))).toBe(false);
    expect(await inspect('b2-flags', '{{json .Annotations}}|{{.Created}}|{{.Config.Labels.l}}|{{len .History}}'))
      .toBe('{"org.example.a":"b"}|2001-09-09T01:46:40Z|v|0');
    expect(await runIn('b2-flags', 'stat -c %Y /made')).toBe('1000000000'); // the layers' file times too
  });

  it('--squash keeps the base layers and one new layer, --squash-all one layer; deletions stay deleted', async () => {
    const dir = context('squash', { Containerfile: 'FROM busybox\nRUN rm /etc/group && echo one > /one\nRUN echo two > /two\nCOPY f.txt /f.txt\n', 'f.txt': 'f\n' });
    const baseLayers = Number(await inspect('busybox', '{{len .RootFS.Layers}}'));
    const s = await build(['-t', 'b2-squash', '--squash', dir]);
    expect(s.exitCode, s.stderr).toBe(0);
    expect(Number(await inspect('b2-squash', '{{len .RootFS.Layers}}'))).toBe(baseLayers + 1);
    expect(await runIn('b2-squash', 'cat /one /two /f.txt; test -e /etc/group && echo group-present || echo group-gone')).toBe('one\ntwo\nf\ngroup-gone');
    const a = await build(['-t', 'b2-all', '--squash-all', dir]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(await inspect('b2-all', '{{len .RootFS.Layers}}')).toBe('1');
    expect(await runIn('b2-all', 'cat /one /two; test -e /etc/group && echo group-present || echo group-gone; test -x /bin/sh && echo sh')).toBe('one\ntwo\ngroup-gone\nsh');
  });

  it('--output writes the image\'s files to a directory or a tar archive', async () => {
    const dir = context('output', { Containerfile: 'FROM scratch\nCOPY out.txt /sub/out.txt\n', 'out.txt': 'exported\n' });
    const dest = join(base, 'exported');
    const r = await build(['-o', `type=local,dest=${dest}`, dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(dest, 'sub/out.txt'), 'utf8')).toBe('exported\n');
    const tarFile = join(base, 'exported.tar');
    const t = await build(['--output', `type=tar,dest=${tarFile}`, dir]);
    expect(t.exitCode, t.stderr).toBe(0);
    expect(execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).split('\n')).toContain('sub/out.txt');
  });

  it('pulls a FROM image with --pull, --creds and --tls-verify', async () => {
    const auth = inject('registries').auth;
    const creds = `${testCredentials.username}:${testCredentials.password}`;
    const push = await tspod(['push', '--tls-verify=false', '--creds', creds, 'localhost/busybox', `${auth}/b2/base:1`]);
    expect(push.exitCode, push.stderr).toBe(0);
    const dir = context('pull', { Containerfile: `FROM ${auth}/b2/base:1\nRUN echo on-the-pulled-base\n` });
    const denied = await build(['--pull=always', '--tls-verify=false', '--retry', '0', dir]);
    expect(denied.exitCode).toBe(125);
    const r = await build(['--pull', '--tls-verify=false', '--creds', creds, '-t', 'b2-pulled', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toContain('on-the-pulled-base');
    await tspod(['rmi', '-f', `${auth}/b2/base:1`]);
  });

  it('refuses what it cannot do, clearly', async () => {
    const dir = context('refuse', { Containerfile: 'FROM busybox\n' });
    const other = process.arch === 'arm64' ? 'linux/amd64' : 'linux/arm64';
    const cases: Array<[string[], RegExp]> = [
      [['--platform', other], /builds for this host's platform .* only/],
      [['--manifest', 'list'], /no manifest lists/],
      [['--pid', 'host'], /private pid namespace/],
      [['--squash', '--squash-all'], /cannot specify --squash with --layers and --squash-all with --squash/],
      [['-o', 'type=foo,dest=x'], /invalid type "foo" selected for build output/],
      [['-f', 'no-such-file'], /stat .*no-such-file: no such file or directory/],
      [['--format', 'v2s1'], /unrecognized image type/],
      [['--device', '/dev/fuse'], /tspod run has no --device/],
      [['--pull=never', '--from', 'never-pulled'], /never-pulled: image not known/],
      [['--pull-never', '--from', 'never-pulled'], /Error: creating build container: never-pulled: image not known/],
      [['--authfile', '/tmp/bogus-authfile'], /\/tmp\/bogus-authfile: no such file or directory/],
    ];
    for (const [args, msg] of cases) {
      const r = await build([...args, dir]);
      expect(r.exitCode, args.join(' ')).toBe(125);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
    // this host's own platform is fine
    const host = (await tspod(['info', '--format', '{{.Host.OS}}/{{.Host.Arch}}'])).stdout.trim();
    const ok = await build(['-q', '--platform', host, dir]);
    expect(ok.exitCode, ok.stderr).toBe(0);
  });

  it('--jobs 2 builds independent stages side by side, skipping unused stages; --build-context', async () => {
    const dir = context('jobs', {
      Containerfile: [
        'FROM busybox AS a', 'RUN echo a > /a',
        'FROM busybox AS b', 'RUN echo b > /b',
        'FROM busybox AS unused', 'RUN echo never-built',
        'FROM busybox', 'COPY --from=a /a /a', 'COPY --from=b /b /b', 'COPY --from=extra e.txt /e',
        'RUN --mount=type=bind,from=b,source=/b,target=/fromb echo "bound $(cat /fromb)"', 'CMD ["cat", "/a", "/b", "/e"]',
      ].join('\n'),
    });
    const extra = context('extra-context', { 'e.txt': 'from another context\n' });
    const r = await build(['--jobs', '2', '--build-context', `extra=${extra}`, '-t', 'b2-jobs', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('never-built');
    expect(r.stdout.split('\n')).toContain('bound b'); // a bind mount from a stage
    expect(r.stdout).not.toContain('[3/4]');
    expect((await tspod(['run', '--rm', '--network', 'none', 'b2-jobs'])).stdout).toBe('a\nb\nfrom another context');
  });
});

describe('tspod build instructions', () => {
  it('RUN --mount=type=cache persists between builds; bind, tmpfs and secret mounts; RUN --network', async () => {
    const dir = context('mounts', {
      Containerfile: [
        'FROM busybox',
        'RUN --mount=type=cache,target=/cache echo x >> /cache/n && echo "cache lines $(wc -l < /cache/n)"',
        'RUN --mount=type=cache,target=/owned,id=owned,uid=1000,gid=1000,mode=0750 stat -c "owned %u:%g %a" /owned',
        'RUN --mount=type=bind,source=data.txt,target=/mnt/data.txt cat /mnt/data.txt',
        'RUN --mount=type=tmpfs,target=/scratch touch /scratch/x && echo tmpfs-ok',
        'RUN --mount=type=secret,id=tok,required=true test "$(cat /run/secrets/tok)" = s3cret && echo secret-ok',
        'RUN --network=none echo "interfaces $(tail -n +3 /proc/net/dev | wc -l)"',
      ].join('\n'),
      'data.txt': 'bound from the context\n',
    });
    writeFileSync(join(base, 'token'), 's3cret');
    const args = ['--no-cache', '--network', 'slirp4netns', '--secret', `id=tok,src=${join(base, 'token')}`, '-t', 'b2-mounts', dir];
    const first = await tspod(['build', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    const again = await tspod(['build', ...args]);
    expect(again.exitCode, again.stderr).toBe(0);
    const count = (s: string) => Number(/cache lines (\d+)/.exec(s)![1]);
    expect(count(again.stdout)).toBe(count(first.stdout) + 1);
    expect(first.stdout).toContain('bound from the context');
    expect(first.stdout).toContain('owned 1000:1000 750');
    expect(first.stdout).toContain('tmpfs-ok');
    expect(first.stdout).toContain('secret-ok');
    expect(first.stdout).toContain('interfaces 1'); // lo alone: the step's own --network=none
    // nothing of the mounts is in the image
    expect(await runIn('b2-mounts', 'ls /cache /owned /scratch /mnt/data.txt /run/secrets 2>&1 | grep -c "No such file"')).toBe('5');
    const missing = await build(['--no-cache', dir]);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr).toContain('secret "tok" was not given');
  });

  it('a variable in RUN --mount cannot add mount options of its own (an ENV like "/x,source=/etc")', async () => {
    const dir = context('mountvar', { Containerfile: 'FROM busybox\nENV T=/x,source=/etc\nRUN --mount=type=cache,target=$T ls /x\n' });
    const r = await build(['--no-cache', dir]);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain('holds a comma or a newline');
  });

  it('RUN gets the build\'s -v, --add-host, --cap-drop, --ulimit and resource flags, and leaves no mount point behind', async () => {
    const host = context('hostdir', { 'h.txt': 'from the host\n' });
    const dir = context('runflags', { Containerfile: 'FROM busybox\nRUN cat /hostdir/h.txt; grep -c myhost /etc/hosts; grep CapEff /proc/self/status; ulimit -n\n' });
    const r = await build(['-v', `${host}:/hostdir:ro`, '--add-host', 'myhost:10.1.2.3', '--cap-drop', 'ALL', '--ulimit', 'nofile=512:512', '--memory', '100m', '-t', 'b2-runflags', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Resource limits are (not supported and ignored on cgroups V1 rootless systems|not applied by tspod yet)/);
    expect(r.stdout).toContain('from the host\n1\nCapEff:\t0000000000000000\n512\n');
    expect(await runIn('b2-runflags', 'test -e /hostdir && echo left || echo gone')).toBe('gone');
  });

  it('here-documents in RUN and COPY, --build-arg-file, COPY --link', async () => {
    const dir = context('here', {
      Containerfile: [
        'FROM busybox',
        'ARG WHO',
        'ENV NAME=world',
        'RUN <<EOF',
        'echo "heredoc $((1 + 1)) for $WHO"',
        'EOF',
        'COPY <<EOF /greeting',
        'hello ${NAME}',
        'EOF',
        'COPY <<"EOF" /literal',
        'hello ${NAME}',
        'EOF',
        'RUN <<EOF',
        '#!/usr/bin/awk -f',
        'BEGIN { print "awk says " 6 * 7 }',
        'EOF',
        'RUN cat <<EOT > /from-shell',
        'via the shell',
        'EOT',
        'COPY --link a.txt /linked.txt',
      ].join('\n'),
      'a.txt': 'linked\n',
      'args.conf': '# build args\nWHO=the file\n',
    });
    const r = await build(['-t', 'b2-here', '--build-arg-file', join(dir, 'args.conf'), dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('heredoc 2 for the file');
    expect(r.stdout).toContain('awk says 42'); // a #! script runs with its interpreter
    expect(await runIn('b2-here', 'cat /greeting /literal /from-shell /linked.txt')).toBe('hello world\nhello ${NAME}\nvia the shell\nlinked');
  });

  it('ADD downloads URLs and unpacks local archives', async () => {
    const dir = context('add', { 'payload/inner/file.txt': 'inside the archive\n' });
    execFileSync('tar', ['-czf', join(dir, 'payload.tar.gz'), '-C', join(dir, 'payload'), '.']);
    execFileSync('tar', ['-cJf', join(dir, 'payload.tar.xz'), '-C', join(dir, 'payload'), '.']);
    writeFileSync(join(dir, 'Containerfile'), `FROM busybox\nADD ${url}/files/remote.txt /downloads/\nADD ${url}/files/remote.txt /tmp\nADD payload.tar.gz /unpacked/\nADD payload.tar.xz /unxz/\n`);
    const r = await build(['-t', 'b2-add', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await runIn('b2-add', 'cat /downloads/remote.txt /tmp/remote.txt /unpacked/inner/file.txt /unxz/inner/file.txt; stat -c %a /downloads/remote.txt'))
      .toBe('from the server\nfrom the server\ninside the archive\ninside the archive\n600');
    writeFileSync(join(dir, 'Containerfile'), `FROM busybox\nADD ${url}/missing /x\n`);
    const bad = await build([dir]);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toContain('invalid response status 404');
  });

  it('the cache ignores file times; image prune removes the intermediates, and with them the cache', async () => {
    const dir = context('prune', { Containerfile: 'FROM busybox\nCOPY f.txt /f\nRUN echo cached-step\nLABEL x=y\n', 'f.txt': 'same\n' });
    const a = await build([dir]);
    expect(a.exitCode, a.stderr).toBe(0);
    utimesSync(join(dir, 'f.txt'), new Date(), new Date(Date.now() + 3600_000));
    const b = await build([dir]);
    expect(b.stdout).toMatch(/STEP 2\/4: COPY f.txt \/f\n--> Using cache/);
    expect(b.stdout.split('\n')).not.toContain('cached-step'); // the RUN step's own output
    const all = (await tspod(['images', '-a', '-q'])).stdout.split('\n').length;
    expect(all).toBeGreaterThan((await tspod(['images', '-q'])).stdout.split('\n').length);
    expect((await tspod(['image', 'prune', '-f'])).exitCode).toBe(0);
    // --layers=false keeps no step images, only the result
    const before = (await tspod(['images', '-a', '-q'])).stdout.split('\n').filter(Boolean).length;
    const nl = await build(['--layers=false', '-q', dir]);
    expect(nl.exitCode, nl.stderr).toBe(0);
    expect((await tspod(['images', '-a', '-q'])).stdout.split('\n').filter(Boolean).length).toBe(before + 1);
    await tspod(['rmi', nl.stdout.trim().split('\n').at(-1)!]);
    const c = await build([dir]);
    expect(c.stdout).not.toContain('--> Using cache');
    expect(c.stdout.split('\n')).toContain('cached-step');
  });
});

// The same Containerfile built by podman (when installed): the config fields the issue lists agree.
const podman = ['/usr/bin/podman', '/usr/local/bin/podman'].find((p) => existsSync(p));
describe.skipIf(!podman)('tspod build beside podman', () => {
  it('gives the config podman gives', async () => {
    const dir = context('compare', {
      Containerfile: [
        'FROM busybox',
        'ARG A=1',
        'ENV X=1 Y="two words"',
        'WORKDIR /app',
        'USER 1000:1000',
        'EXPOSE 80 53/udp',
        'VOLUME /data',
        'LABEL a=b c="d e"',
        'STOPSIGNAL SIGINT',
        'ENTRYPOINT ["/bin/sh", "-c"]',
        'CMD ["echo hi"]',
      ].join('\n'),
    });
    const r = await build(['-t', 'b2-compare', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    const ours = JSON.parse(await inspect('b2-compare', '{{json .Config}}')) as Record<string, unknown>;
    const ourHistory = Number(await inspect('b2-compare', '{{len .History}}'));
    await tspod(['rmi', 'b2-compare']);
    const proot = mkdtempSync(join(tmpdir(), 'tspod-podman-'));
    const p = (args: string[]) => execFileSync(podman!, ['--root', join(proot, 'root'), '--runroot', join(proot, 'run'), '--runtime', 'runc', '--storage-driver', 'overlay', ...args],
      { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: join(proot, 'xdg') }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      mkdirSync(join(proot, 'xdg'), { mode: 0o700 });
      p(['load', '-i', inject('tspodImages').dockerArchive]);
      p(['build', '--network', 'none', '-t', 'compare', dir]);
      const theirs = JSON.parse(p(['image', 'inspect', '--format', '{{json .Config}}', 'compare'])) as Record<string, unknown>;
      delete (theirs.Labels as Record<string, string>)['io.buildah.version'];
      for (const f of ['Cmd', 'Entrypoint', 'Env', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Labels', 'StopSignal']) expect(ours[f], f).toEqual(theirs[f]);
      // one history entry per step, as podman's
      expect(ourHistory).toBe(Number(p(['image', 'inspect', '--format', '{{len .History}}', 'compare']).trim()));
    } finally {
      execFileSync('podman', ['unshare', 'rm', '-rf', proot], { stdio: 'ignore' });
    }
  }, 120_000);
});
