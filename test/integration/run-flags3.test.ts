// issue 12, the last details podman's own tests showed: /run/.containerenv, --workdir refusals,
// /etc/mtab, --log-opt max-size, -a stdin, -p with --network host|none, --timeout's status,
// a start that fails (port taken) with and without --rm, --rmi on an image in use, the image
// name and digest a container records, start's 125 and stop's 'stopping'. Budget: about 40 s.
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dockerArchive, rawTar } from './fixtures.js';
import { tspod, waitFor } from './helpers.js';

const none = ['--network', 'none'];
const run = (args: string[]) => tspod(['run', '--rm', ...none, ...args]);
const tmp = mkdtempSync(join(tmpdir(), 'tspod-flags3-'));

afterAll(async () => {
  await tspod(['rm', '-a', '-f', '-t', '0']);
  await tspod(['rmi', '-f', 'localhost/flags3-commit', 'localhost/flags3-rmi', 'localhost/flags3-workdir', 'localhost/flags3-555', 'localhost/flags3-noroot']);
  await tspod(['untag', 'busybox', 'localhost/flags3/tagged:v1']);
});

const inspect = async (ref: string, format: string) => (await tspod(['inspect', '--format', format, ref])).stdout;

describe('/run/.containerenv and the default environment', () => {
  it('is empty, or podman\'s keys with --privileged; container=podman; never in diff or commit', async () => {
    const plain = await run(['busybox', 'sh', '-c', 'stat -c %s /run/.containerenv; echo "$container"']);
    expect([plain.exitCode, plain.stdout]).toEqual([0, '0\npodman']);
    // --read-only puts a tmpfs on /run: mounts go shallow first (podman's order), so the file is on it
    const ro = await run(['--read-only', 'busybox', 'sh', '-c', 'stat -c %s /run/.containerenv; grep -c " /run tmpfs " /proc/mounts']);
    expect([ro.exitCode, ro.stdout]).toEqual([0, '0\n1']);
    const iid = await inspect('busybox', '{{.ID}}');
    const p = await tspod(['run', ...none, '--privileged', '--name', 'envpriv', 'busybox', 'sh', '-c',
      '. /run/.containerenv; echo "$engine|$name|$image|$imageid|$rootless"; echo hi > /f']);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(p.stdout).toMatch(new RegExp(`^podman-[0-9.]+\\|envpriv\\|localhost/busybox:latest\\|${iid}\\|1$`));
    expect(await inspect('envpriv', '{{.Id}}')).toMatch(/^[0-9a-f]{64}$/);
    // only the user's change: /run and the empty mount point stay out (podman's diff too)
    expect((await tspod(['diff', 'envpriv'])).stdout).toBe('C /etc\nA /f');
    expect((await tspod(['commit', '-q', 'envpriv', 'localhost/flags3-commit'])).exitCode).toBe(0);
    const layer = await tspod(['image', 'diff', 'localhost/flags3-commit', 'busybox']);
    expect(layer.stdout).not.toMatch(/\/run/);
    // a container of the committed image gets its own, empty again
    const again = await run(['localhost/flags3-commit', 'sh', '-c', 'cat /f; stat -c %s /run/.containerenv']);
    expect(again.stdout).toBe('hi\n0');
  });
});

describe('--workdir and /etc/mtab', () => {
  it('a --workdir missing from the image is refused as podman (126); a mount makes it; the image\'s /etc/mtab link', async () => {
    const missing = await run(['--workdir', '/i/do/not/exist', 'busybox', 'pwd']);
    expect(missing.exitCode).toBe(126);
    expect(missing.stderr).toMatch(/^Error: workdir "\/i\/do\/not\/exist" does not exist on container [0-9a-f]{64}$/);
    const file = await run(['--workdir', '/etc/passwd', 'busybox', 'pwd']);
    expect(file.exitCode).toBe(126);
    expect(file.stderr).toMatch(/^Error: workdir "\/etc\/passwd" exists on container [0-9a-f]{64}, but is not a directory$/);
    const vol = join(tmp, 'vol');
    mkdirSync(vol);
    writeFileSync(join(vol, 'content'), 'in the volume');
    expect((await run(['--workdir', '/onvolume', '-v', `${vol}:/onvolume`, 'busybox', 'cat', 'content'])).stdout).toBe('in the volume');
    expect((await run(['--workdir', '/parent', '-v', `${join(vol, 'content')}:/parent/foo`, 'busybox', 'cat', 'foo'])).stdout).toBe('in the volume');
    const mtab = await run(['busybox', 'sh', '-c', 'readlink /etc/mtab; grep -c " / " /etc/mtab']);
    expect(mtab.stdout).toBe('/proc/mounts\n1');
    // the image's own WORKDIR is made when missing, as podman
    expect((await tspod(['create', '--name', 'wdsrc', 'busybox'])).exitCode).toBe(0);
    expect((await tspod(['commit', '-q', '--change', 'WORKDIR /made/here', 'wdsrc', 'localhost/flags3-workdir'])).exitCode).toBe(0);
    expect((await run(['localhost/flags3-workdir', 'pwd'])).stdout).toBe('/made/here');
    // cp out of the container keeps an absolute link as it is (podman's cp)
    expect((await tspod(['run', '-d', ...none, '--name', 'cpmtab', 'busybox', 'sleep', '60'])).exitCode).toBe(0);
    const out = join(tmp, 'cp');
    mkdirSync(out);
    const cp = await tspod(['cp', 'cpmtab:/etc', out]);
    expect([cp.exitCode, cp.stderr]).toEqual([0, '']);
    expect(readlinkSync(join(out, 'etc', 'mtab'))).toBe('/proc/mounts');
  });
});

describe('the image\'s root directory', () => {
  it('/ has the mode of the top layer that names "./", else 0555 (podman\'s storage); run from a docker-archive: reference', async () => {
    const busybox = readFileSync(inject('tspodImages').layerTar);
    const archive = dockerArchive('localhost/flags3-555:latest', [busybox, rawTar([{ path: './', type: 'Directory', mode: 0o555 }]), rawTar([{ path: 'etc/marker', body: 'x' }])]);
    // podman's run docker-archive:PATH: loaded (its copy lines on stderr), then run
    const r = await tspod(['run', '--rm', ...none, `docker-archive:${archive}`, 'stat', '-c', '%a', '/']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('555');
    expect(r.stderr.split('\n')[0]).toBe('Getting image source signatures');
    expect(r.stderr).toMatch(/Copying blob [0-9a-f]{12} done\nCopying blob [0-9a-f]{12} done\nCopying blob [0-9a-f]{12} done\nCopying config [0-9a-f]{12} done\nWriting manifest to image destination$/);
    expect((await tspod(['image', 'exists', 'localhost/flags3-555'])).exitCode).toBe(0);
    // busybox's layer names "./" 0755; the same layer without that entry: podman's storage default, 0555
    expect((await run(['busybox', 'stat', '-c', '%a', '/'])).stdout).toBe('755');
    expect(busybox.subarray(0, 2).toString()).toBe('./');
    const noRoot = dockerArchive('localhost/flags3-noroot:latest', [busybox.subarray(512)]);
    expect((await tspod(['load', '-i', noRoot])).exitCode).toBe(0);
    expect((await run(['localhost/flags3-noroot', 'stat', '-c', '%a', '/'])).stdout).toBe('555');
    // keep-id writes its /etc files into the layer before / takes that mode
    const keep = await run(['--userns', 'keep-id', 'localhost/flags3-noroot', 'sh', '-c', 'id -u; stat -c %a /']);
    expect([keep.exitCode, keep.stderr, keep.stdout]).toEqual([0, '', `${process.getuid!()}\n555`]);
  });
});

describe('output and logs', () => {
  it('-a stdin alone prints the container id; -p with --network host or none: podman\'s notice, and it runs', async () => {
    const a = await tspod(['run', ...none, '--name', 'attstdin', '-a', 'stdin', 'busybox', 'echo', 'hello']);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(a.stdout).toBe(await inspect('attstdin', '{{.Id}}'));
    for (const net of ['host', 'none']) {
      const r = await tspod(['run', '--rm', '-p', '8080', `--net=${net}`, 'busybox', 'echo', 'ran']);
      expect([r.exitCode, r.stderr, r.stdout]).toEqual([0, 'Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use', 'ran']);
    }
  });

  it('--log-opt max-size: the log never grows past it, the newest lines kept', async () => {
    const d = await tspod(['run', '-d', ...none, '--name', 'maxsize', '--log-opt', 'max-size=8k', 'busybox', 'sh', '-c',
      'i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo "line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; done']);
    expect(d.exitCode, d.stderr).toBe(0);
    expect((await tspod(['wait', 'maxsize'])).stdout).toBe('0');
    const path = await inspect('maxsize', '{{.HostConfig.LogConfig.Path}}');
    expect(path).toBe(await inspect('maxsize', '{{.LogPath}}'));
    const size = statSync(path).size;
    const logs = (await tspod(['logs', 'maxsize'])).stdout.split('\n');
    expect(logs.at(-1)).toBe('line-600-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
    expect(logs.length).toBeLessThan(600);
    // decimal units, as podman: 8k is 8000 bytes, shown as 8kB
    expect(size).toBeLessThanOrEqual(8000);
    expect(await inspect('maxsize', '{{.HostConfig.LogConfig.Size}}')).toBe('8kB');
  });
});

describe('lifecycle details', () => {
  it('--timeout: run exits 255, inspect shows exited -1; --rmi leaves an image another container uses, quietly', async () => {
    const t = await tspod(['run', ...none, '--name', 'timed', '--timeout', '1', 'busybox', 'sleep', '60']);
    expect(t.exitCode).toBe(255);
    expect(await inspect('timed', '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited -1');
    // an image of one name, used by another container: --rmi leaves it, exit 0, nothing said (podman)
    expect((await tspod(['commit', '-q', 'timed', 'localhost/flags3-rmi'])).exitCode).toBe(0);
    expect((await tspod(['create', '--name', 'rmiuser', 'localhost/flags3-rmi'])).exitCode).toBe(0);
    const rmi = await tspod(['run', ...none, '--rmi', '--rm', 'localhost/flags3-rmi', 'true']);
    expect([rmi.exitCode, rmi.stderr]).toEqual([0, '']);
    expect((await tspod(['image', 'exists', 'localhost/flags3-rmi'])).exitCode).toBe(0);
    expect((await tspod(['rm', 'rmiuser'])).exitCode).toBe(0);
    expect((await tspod(['run', ...none, '--rmi', '--rm', 'localhost/flags3-rmi', 'true'])).exitCode).toBe(0);
    expect((await tspod(['image', 'exists', 'localhost/flags3-rmi'])).exitCode).toBe(1);
  });

  it('records the image name given and the image\'s digest', async () => {
    // made from the second name of busybox's image: that name, not the image's first
    expect((await tspod(['tag', 'busybox', 'localhost/flags3/tagged:v1'])).exitCode).toBe(0);
    expect((await tspod(['create', '--name', 'keepme', 'localhost/flags3/tagged:v1'])).exitCode).toBe(0);
    expect(await inspect('keepme', '{{.ImageName}}')).toBe('localhost/flags3/tagged:v1');
    const [id, digest] = (await inspect('busybox', '{{.ID}} {{.Digest}}')).split(' ');
    expect(await inspect('keepme', '{{.Image}} {{.ImageDigest}}')).toBe(`${id} ${digest}`);
  });

  it('start of a command that is not there: podman\'s 125; inspect says stopping while stop waits', async () => {
    expect((await tspod(['create', '--name', 'nocmd', 'busybox', '/no/such/command'])).exitCode).toBe(0);
    const start = await tspod(['start', 'nocmd']);
    expect(start.exitCode).toBe(125);
    expect(start.stderr).toMatch(/^Error: unable to start container "[0-9a-f]{64}": \/no\/such\/command: executable file not found/);
    const d = await tspod(['run', '-d', ...none, '--name', 'stopme', 'busybox', 'sh', '-c', 'trap "echo ignoring TERM" TERM; echo READY; while :; do sleep 0.2; done']);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(await waitFor(async () => (await tspod(['logs', 'stopme'])).stdout.includes('READY'))).toBe(true);
    const stopping = tspod(['stop', '-t', '30', 'stopme']);
    expect(await waitFor(async () => (await tspod(['logs', 'stopme'])).stdout.includes('ignoring TERM'))).toBe(true);
    expect(await inspect('stopme', '{{.State.Status}} {{.State.Running}}')).toBe('stopping true');
    expect((await tspod(['kill', 'stopme'])).exitCode).toBe(0);
    expect((await stopping).exitCode).toBe(0);
    expect(await inspect('stopme', '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 137');
  });

  it('a host port taken at start: exit 126; the container stays created, or with --rm is gone', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const kept = await tspod(['run', '-d', '-p', `${port}:80`, '--name', 'failnorm', 'busybox', 'top']);
      expect(kept.exitCode).toBe(126);
      expect(kept.stderr).toMatch(/already in use/);
      const gone = await tspod(['run', '-d', '--rm', '-p', `${port}:80`, '--name', 'failrm', 'busybox', 'top']);
      expect(gone.exitCode).toBe(126);
      expect(await inspect('failnorm', '{{.State.Status}}')).toBe('created');
      expect((await tspod(['container', 'exists', 'failrm'])).exitCode).toBe(1);
    } finally {
      server.close();
    }
  });
});
