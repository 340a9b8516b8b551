// save to a pipe and load it back, load -i URL, save --uncompressed, podman's diagnostic for a
// payload that is no image archive. Budget: about 10 s.
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv, tspod, tspodBin } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tspod-load-'));
afterAll(async () => {
  await tspod(['rmi', '-i', 'localhost/pipe-img:t1', 'localhost/url-img:t2', 'localhost/unc-img:t3']);
  rmSync(dir, { recursive: true, force: true });
});

const isTar = (file: string) => readFileSync(file).subarray(257, 262).toString('latin1') === 'ustar';

describe('save and load', () => {
  it('save writes to a pipe, and the archive loads back with its name', async () => {
    expect((await tspod(['tag', 'busybox', 'pipe-img:t1'])).exitCode).toBe(0);
    const archive = join(dir, 'Pipe Dir', 'MyImage.tar');
    const r = await execa('bash', ['-c', `mkdir -p "${join(dir, 'Pipe Dir')}" && "$0" save --format oci-archive pipe-img:t1 | cat > "${archive}"`, tspodBin], { env: testEnv(), reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(isTar(archive)).toBe(true);
    expect((await tspod(['rmi', 'pipe-img:t1'])).exitCode).toBe(0);
    const load = await tspod(['load', '-i', archive]);
    expect(load.exitCode, load.stderr).toBe(0);
    expect(load.stdout).toBe('Loaded image: localhost/pipe-img:t1');
    // and to a file by a shell redirect (a terminal is refused as podman does: not tested here)
    const redirect = join(dir, 'redirect.tar');
    expect((await execa('bash', ['-c', `"$0" save pipe-img:t1 > "${redirect}"`, tspodBin], { env: testEnv(), reject: false })).exitCode).toBe(0);
    expect(isTar(redirect)).toBe(true);
  });

  it('load -i http://... fetches the archive', async () => {
    expect((await tspod(['tag', 'busybox', 'url-img:t2'])).exitCode).toBe(0);
    const archive = join(dir, 'url.tar');
    expect((await tspod(['save', '-o', archive, 'url-img:t2'])).exitCode).toBe(0);
    expect((await tspod(['rmi', 'url-img:t2'])).exitCode).toBe(0);
    const server = createServer((req, res) => {
      if (req.url === '/image.tar') createReadStream(archive).pipe(res);
      else if (req.url === '/moved') res.writeHead(302, { location: '/image.tar' }).end();
      else if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else if (req.url === '/to-file') res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const load = await tspod(['load', '-i', `http://127.0.0.1:${port}/image.tar`]);
      expect(load.exitCode, load.stderr).toBe(0);
      expect(load.stdout).toBe('Loaded image: localhost/url-img:t2');
      const missing = await tspod(['load', '-i', `http://127.0.0.1:${port}/nothere.tar`]);
      expect([missing.exitCode, missing.stderr]).toEqual([125, `Error: fetching http://127.0.0.1:${port}/nothere.tar: the server answered 404 Not Found`]);
      // redirects: followed over http(s), at most 8, never to another scheme; credentials kept out of messages
      expect((await tspod(['rmi', 'url-img:t2'])).exitCode).toBe(0);
      const moved = await tspod(['load', '-i', `http://127.0.0.1:${port}/moved`]);
      expect([moved.exitCode, moved.stdout], moved.stderr).toEqual([0, 'Loaded image: localhost/url-img:t2']);
      const loop = await tspod(['load', '-i', `http://user:s3cret@127.0.0.1:${port}/loop`]);
      expect(loop.exitCode).toBe(125);
      expect(loop.stderr).toContain('refusing the redirect');
      expect(loop.stderr).not.toContain('s3cret');
      const file = await tspod(['load', '-i', `http://127.0.0.1:${port}/to-file`]);
      expect([file.exitCode, file.stderr]).toEqual([125, expect.stringContaining('refusing the redirect to file://')]);
      // larger than TSPOD_LAYER_MAX_BYTES: stopped, nothing loaded
      const big = await tspod(['load', '-i', `http://127.0.0.1:${port}/image.tar`], { env: { ...testEnv(), TSPOD_LAYER_MAX_BYTES: '1000' } });
      expect([big.exitCode, big.stderr]).toEqual([125, expect.stringContaining('larger than 1000 bytes (TSPOD_LAYER_MAX_BYTES)')]);
    } finally {
      server.close();
    }
  });

  it('save --uncompressed writes plain tar layers that load back; a payload that is no archive gets podman\'s diagnostic', async () => {
    // an image whose layer is stored gzip-compressed: an OCI archive made here and loaded
    const oci = join(dir, 'gz');
    await execa('bash', ['-c', `set -e; mkdir -p "$0/rootfs/etc" "$0/blobs/sha256"; echo hi > "$0/rootfs/etc/greeting"; tar -C "$0/rootfs" -cf "$0/layer.tar" etc`, oci]);
    const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
    const plain = readFileSync(join(oci, 'layer.tar'));
    const gz = gzipSync(plain);
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${sha(plain)}`] } });
    const manifest0 = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha(gz)}`, size: gz.length }] });
    for (const b of [gz, Buffer.from(config), Buffer.from(manifest0)]) writeFileSync(join(oci, 'blobs', 'sha256', sha(b)), b);
    writeFileSync(join(oci, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(oci, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha(manifest0)}`, size: manifest0.length, annotations: { 'org.opencontainers.image.ref.name': 'localhost/unc-img:t3' } }] }));
    await execa('tar', ['-C', oci, '-cf', join(dir, 'gz.tar'), 'oci-layout', 'index.json', 'blobs']);
    const loadGz = await tspod(['load', '-i', join(dir, 'gz.tar')]);
    expect(loadGz.exitCode, loadGz.stderr).toBe(0);
    const archive = join(dir, 'unc.tar');
    const save = await tspod(['save', '-o', archive, '--format', 'oci-archive', '--uncompressed', 'unc-img:t3']);
    expect(save.exitCode, save.stderr).toBe(0);
    const untar = join(dir, 'unc');
    await execa('mkdir', ['-p', untar]);
    await execa('tar', ['-C', untar, '-xf', archive]);
    const blobs = readdirSync(join(untar, 'blobs', 'sha256')).map((b) => join(untar, 'blobs', 'sha256', b));
    const index = JSON.parse(readFileSync(join(untar, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(readFileSync(join(untar, 'blobs', 'sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: Array<{ mediaType: string; digest: string }> };
    expect(manifest.layers.length).toBeGreaterThan(0);
    for (const l of manifest.layers) {
      expect(l.mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
      expect(isTar(join(untar, 'blobs', 'sha256', l.digest.slice(7)))).toBe(true);
    }
    expect(blobs.length).toBe(manifest.layers.length + 2);
    expect((await tspod(['rmi', 'unc-img:t3'])).exitCode).toBe(0);
    const load = await tspod(['load', '-i', archive]);
    expect(load.exitCode, load.stderr).toBe(0);
    expect(load.stdout).toBe('Loaded image: localhost/unc-img:t3');

    // loaded again from a docker-archive over the image it has (plain tar layers now, its first
    // manifest kept): an oci-archive of it is still whole and loads back
    expect((await tspod(['rmi', 'unc-img:t3'])).exitCode).toBe(0);
    expect((await tspod(['load', '-i', join(dir, 'gz.tar')])).exitCode).toBe(0);
    const docker = join(dir, 'docker.tar');
    expect((await tspod(['save', '-o', docker, 'unc-img:t3'])).exitCode).toBe(0);
    expect((await tspod(['load', '-i', docker])).exitCode).toBe(0);
    const again = join(dir, 'again.tar');
    expect((await tspod(['save', '--format', 'oci-archive', '-o', again, 'unc-img:t3'])).exitCode).toBe(0);
    expect((await tspod(['rmi', 'unc-img:t3'])).exitCode).toBe(0);
    const reload = await tspod(['load', '-i', again]);
    expect(reload.exitCode, reload.stderr).toBe(0);

    const junk = await tspod(['load'], { input: 'not an archive at all\n', stdin: undefined });
    expect(junk.exitCode).toBe(125);
    expect(junk.stderr.split('\n')[0]).toBe('Error: payload does not match any of the supported image formats:');
  });
});
