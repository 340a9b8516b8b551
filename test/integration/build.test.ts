// `tspod build` as a user sees it: a multi-step build whose image runs with the
// config the Containerfile says, COPY of files and directories, a failing RUN,
// hostile contexts, multi-stage with COPY --from and --target, the layer cache.
// Budget: about 20 s (a handful of builds over the busybox test image; RUN steps
// use --network none).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tspod, buildContext } from './helpers.js';

const base = mkdtempSync(join(tmpdir(), 'tspod-build-'));
afterAll(async () => {
  await tspod(['rmi', '-f', 'bt-app', 'bt-multi', 'bt-files']);
  rmSync(base, { recursive: true, force: true });
});

const context = (name: string, files: Record<string, string>) => buildContext(base, name, files);

const build = (args: string[]) => tspod(['build', '--network', 'none', ...args]);
const inspect = async (image: string, tmpl: string) => (await tspod(['image', 'inspect', '--format', tmpl, image])).stdout.trim();

describe('tspod build', () => {
  const app = context('app', {
    Containerfile: [
      'FROM busybox',
      'ARG GREETING=hello',
      'ENV APP_HOME=/app NAME="two words"',
      'WORKDIR ${APP_HOME}',
      'COPY a.txt ./',
      'COPY dir /app/tree/',
      'COPY --chown=1000:1000 --chmod=600 a.txt owned.txt',
      'COPY --chown=tester:wheel a.txt named.txt',
      'RUN echo "$GREETING from $NAME" > run.txt && echo step-output',
      'LABEL org.example.greeting=${GREETING:-none} org.example.unset=${UNSET:+set}',
      'EXPOSE 8080 53/udp',
      'VOLUME /data',
      'STOPSIGNAL SIGTERM',
      'MAINTAINER someone',
      'HEALTHCHECK CMD true',
      'USER 1000',
      'CMD ["cat", "run.txt"]',
    ].join('\n'),
    'a.txt': 'file a\n',
    'dir/sub/b.txt': 'file b\n',
  });

  it('builds a multi-step image that runs with the config the Containerfile gives', async () => {
    const r = await build(['-t', 'bt-app', '--build-arg', 'GREETING=hi', app]);
    expect(r.stderr).toContain('HEALTHCHECK is not supported for OCI image format');
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('STEP 1/17: FROM busybox');
    expect(lines).toContain('step-output');
    expect(lines).toContain('COMMIT bt-app');
    expect(lines).toContain('Successfully tagged localhost/bt-app:latest');
    const id = lines.at(-1)!;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await inspect('bt-app', '{{.Id}}')).toBe(id);
    expect(await inspect('bt-app', '{{json .Config.Cmd}}|{{.Config.WorkingDir}}|{{.Config.User}}|{{.Config.StopSignal}}'))
      .toBe('["cat","run.txt"]|/app|1000|SIGTERM');
    const env = JSON.parse(await inspect('bt-app', '{{json .Config.Env}}')) as string[];
    expect(env).toEqual(expect.arrayContaining(['APP_HOME=/app', 'NAME=two words']));
    expect(env.some((e) => e.startsWith('GREETING='))).toBe(false); // an ARG is not kept in the image
    const labels = JSON.parse(await inspect('bt-app', '{{json .Config.Labels}}')) as Record<string, string>;
    expect(labels).toMatchObject({ 'org.example.greeting': 'hi', 'org.example.unset': '' });
    expect(Object.keys(JSON.parse(await inspect('bt-app', '{{json .Config.ExposedPorts}}')) as object).sort()).toEqual(['53/udp', '8080/tcp']);

    const run = await tspod(['run', '--rm', '--network', 'none', 'bt-app']);
    expect(run.stdout).toBe('hi from two words');
    const files = await tspod(['run', '--rm', '--network', 'none', 'bt-app', 'sh', '-c',
      'id -u; pwd; cat a.txt tree/sub/b.txt; stat -c "%u:%g %a %n" owned.txt named.txt a.txt tree/sub/b.txt']);
    // the steps' intermediate images show only with -a, as podman's
    const ids = async (args: string[]) => (await tspod(['images', '-q', '--no-trunc', ...args])).stdout.split('\n');
    const stepImage = r.stdout.match(/STEP 5\/17: .*\n--> ([0-9a-f]{11})$/m)![1]!;
    expect((await ids([])).some((i) => i.includes(stepImage))).toBe(false);
    expect((await ids(['-a'])).some((i) => i.includes(stepImage))).toBe(true);
    expect(files.stdout.split('\n')).toEqual(['1000', '/app', 'file a', 'file b', '1000:1000 600 owned.txt', '1000:10 644 named.txt', '0:0 644 a.txt', '0:0 644 tree/sub/b.txt']);
  });

  it('reuses the cache on an unchanged rebuild, not after a context file changes, nor with --no-cache', async () => {
    const again = await build(['-t', 'bt-app', '--build-arg', 'GREETING=hi', app]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^--> Using cache [0-9a-f]{64}$/m);
    expect(again.stdout.split('\n')).not.toContain('step-output'); // the RUN step was not run again
    const first = again.stdout.trim().split('\n').at(-1);
    expect(await inspect('bt-app', '{{.Id}}')).toBe(first);

    const noCache = await build(['-q', '--no-cache', '--build-arg', 'GREETING=hi', app]);
    expect(noCache.stdout).not.toContain('Using cache');
    expect(noCache.stdout).not.toContain('STEP');
    expect(noCache.stdout.trim().split('\n').at(-1)).not.toBe(first);

    writeFileSync(join(app, 'a.txt'), 'changed\n');
    const changed = await build(['--build-arg', 'GREETING=hi', app]);
    expect(changed.exitCode).toBe(0);
    // the steps before the COPY come from the cache, the COPY and after do not
    expect(changed.stdout).toMatch(/STEP 4\/17: WORKDIR \$\{APP_HOME\}\n--> Using cache/);
    expect(changed.stdout).toMatch(/STEP 5\/17: COPY a.txt .\/\n--> [0-9a-f]{11}\n/);
    expect(changed.stdout.split('\n')).toContain('step-output');
    writeFileSync(join(app, 'a.txt'), 'file a\n');
  });

  it('reports a failing RUN with its step, command and exit status, and tags nothing', async () => {
    const dir = context('fail', { Containerfile: 'FROM busybox\nRUN echo before-failure; exit 3\nCMD ["true"]\n' });
    const r = await build(['-t', 'bt-failed', dir]);
    expect(r.exitCode).toBe(3); // the step's status, as podman's
    expect(r.stdout).toContain('before-failure');
    expect(r.stderr).toContain('Error: building at STEP "RUN echo before-failure; exit 3": while running runtime: exit status 3');
    expect((await tspod(['image', 'exists', 'bt-failed'])).exitCode).toBe(1);
    expect((await tspod(['ps', '-a', '-q'])).stdout).toBe(''); // the step's container is gone
  });

  it('refuses sources outside the context: ../, symlinks to /etc/shadow and out of the context', async () => {
    const dir = context('hostile', { 'inside.txt': 'ok\n' });
    symlinkSync('/etc/shadow', join(dir, 'shadow'));
    symlinkSync('../', join(dir, 'up'));
    for (const src of ['../app/a.txt', 'shadow', 'up/app/a.txt']) {
      writeFileSync(join(dir, 'Containerfile'), `FROM busybox\nCOPY ${src} /x\n`);
      const r = await build(['-t', 'bt-hostile', dir]);
      expect(r.exitCode, src).toBe(125);
      expect(r.stderr, src).toContain('possible escaping context directory');
    }
    expect((await tspod(['image', 'exists', 'bt-hostile'])).exitCode).toBe(1);
  });

  it('builds multi-stage: COPY --from a stage by name and index, --target', async () => {
    const dir = context('multi', {
      'extra.txt': 'added\n',
      Containerfile: [
        'ARG BASE=busybox',
        'FROM ${BASE} AS builder',
        'ARG BASE',
        'RUN mkdir -p /out/sub && echo "made on $BASE" > /out/sub/result',
        'FROM scratch AS files',
        'COPY --from=builder /out /',
        'FROM busybox',
        'COPY --from=builder /out/sub/result /r1',
        'COPY --from=1 /sub/ /copied/',
        'ADD --chmod=640 extra.txt /added.txt',
        'ENTRYPOINT ["cat"]',
        'CMD ["/r1", "/copied/result", "/added.txt"]',
      ].join('\n'),
    });
    const r = await build(['-t', 'bt-multi', dir]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('[1/3] STEP 1/3: FROM ${BASE} AS builder');
    expect(r.stdout).toContain('[3/3] STEP 6/6: CMD ["/r1", "/copied/result", "/added.txt"]');
    expect((await tspod(['run', '--rm', '--network', 'none', 'bt-multi'])).stdout).toBe('made on busybox\nmade on busybox\nadded');
    expect((await tspod(['run', '--rm', '--network', 'none', '--entrypoint', 'stat', 'bt-multi', '-c', '%a', '/added.txt'])).stdout).toBe('640');

    const t = await build(['-t', 'bt-files', '--target', 'files', dir]);
    expect(t.exitCode).toBe(0);
    expect(t.stdout).not.toContain('[3/3]');
    expect(await inspect('bt-files', '{{len .RootFS.Layers}}')).toBe('1');
  });

  it('writes --iidfile and refuses an unknown --target', async () => {
    const iid = join(base, 'iid');
    const r = await build(['-q', '--iidfile', iid, join(base, 'multi')]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(iid, 'utf8')).toBe(`sha256:${r.stdout.trim()}`);
    const bad = await build(['--target', 'nope', join(base, 'multi')]);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toContain('Error: The target "nope" was not found in the provided Dockerfile');
  });
});
