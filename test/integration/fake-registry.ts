// A small registry of the tests' own, for what the real one will not do:
// Bearer token auth, a blob served with the wrong content, a blob that stalls
// half way, hostile layers and zstd layers. It speaks just enough of the
// distribution API for pulls.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export interface FakeLayer {
  tar: Buffer;
  compression?: 'gzip' | 'zstd' | 'none';
}

export class FakeRegistry {
  private server?: Server;
  readonly manifests = new Map<string, { bytes: Buffer; type: string }>();
  readonly blobs = new Map<string, Buffer>();
  /** blob digest -> what to do instead of serving it */
  readonly tamper = new Map<string, 'corrupt' | 'stall' | 'endless' | 'truncate' | 'loop'>();
  /** bytes of stalled blobs sent so far */
  stalledBytes = 0;
  address = '';
  requests: string[] = [];

  constructor(private auth?: { username: string; password: string }) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req.method ?? 'GET', req.url ?? '/', req.headers.authorization, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.address = `127.0.0.1:${(this.server!.address() as { port: number }).port}`;
    return this.address;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private handle(method: string, url: string, authorization: string | undefined, res: ServerResponse): void {
    this.requests.push(`${method} ${url}`);
    const u = new URL(url, 'http://x');
    if (u.pathname === '/token') {
      const want = this.auth ? 'Basic ' + Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64') : undefined;
      if (want && authorization !== want) return void res.writeHead(401).end('{"details":"bad credentials"}');
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: 'fake-token', expires_in: 300 }));
    }
    if (this.auth && authorization !== 'Bearer fake-token') {
      const scope = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(u.pathname)?.[1];
      return void res.writeHead(401, {
        'WWW-Authenticate': `Bearer realm="http://${this.address}/token",service="fake"${scope ? `,scope="repository:${scope}:pull"` : ''}`,
        'Content-Type': 'application/json',
      }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    if (u.pathname === '/v2/') return void res.writeHead(200).end('{}');
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(u.pathname);
    if (!m) return void res.writeHead(404).end();
    const [, repo, kind, ref] = m;
    if (kind === 'manifests') {
      const doc = this.manifests.get(`${repo}:${ref}`) ?? [...this.manifests.entries()].find(([k]) => k.startsWith(`${repo}:`) && sha(this.manifests.get(k)!.bytes) === ref)?.[1];
      if (!doc) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      res.writeHead(200, { 'Content-Type': doc.type, 'Docker-Content-Digest': sha(doc.bytes), 'Content-Length': doc.bytes.length });
      return void res.end(method === 'HEAD' ? undefined : doc.bytes);
    }
    const blob = this.blobs.get(ref!);
    if (!blob) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}');
    const tamper = this.tamper.get(ref!);
    if (tamper === 'loop') return void res.writeHead(302, { Location: url }).end();
    if (tamper === 'endless') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const more = () => {
        if (!res.destroyed && res.write(chunk)) setImmediate(more);
        else if (!res.destroyed) res.once('drain', more);
      };
      return more();
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': blob.length });
    if (tamper === 'truncate') {
      res.write(blob.subarray(0, Math.floor(blob.length / 2)), () => res.socket?.destroy());
      return;
    }
    if (tamper === 'corrupt') {
      const bad = Buffer.from(blob);
      bad[bad.length - 1] ^= 0xff;
      return void res.end(bad);
    }
    if (tamper === 'stall') {
      const half = blob.subarray(0, Math.floor(blob.length / 2));
      res.write(half, () => (this.stalledBytes += half.length));
      return; // never ends: the client is killed or times out
    }
    res.end(blob);
  }

  private putBlob(b: Buffer): { digest: string; size: number } {
    const digest = sha(b);
    this.blobs.set(digest, b);
    return { digest, size: b.length };
  }

  /** Add an image; returns the digests of its manifest, config and (compressed) layers. */
  /** Add an image (OCI media types, or Docker v2 schema 2 ones with `docker`). */
  addImage(repo: string, tag: string, layers: FakeLayer[], platform = { os: 'linux', architecture: 'amd64' }, cmd = ['sh'], docker = false) {
    const blobs = layers.map((l) => {
      const c = l.compression ?? 'gzip';
      const body = c === 'gzip' ? gzipSync(l.tar) : c === 'zstd' ? execFileSync('zstd', ['-q', '-c'], { input: l.tar }) : l.tar;
      const mediaType = docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : `application/vnd.oci.image.layer.v1.tar${c === 'none' ? '' : `+${c}`}`;
      return { mediaType, ...this.putBlob(body) };
    });
    const config = Buffer.from(JSON.stringify({
      ...platform, created: '2026-11-25T00:00:00Z', config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: cmd },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha(l.tar)) },
    }));
    const cfg = { mediaType: docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json', ...this.putBlob(config) };
    const type = docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json';
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: type, config: cfg, layers: blobs }));
    this.manifests.set(`${repo}:${tag}`, { bytes: manifest, type });
    return { manifest: sha(manifest), manifestSize: manifest.length, mediaType: type, config: cfg.digest, layers: blobs.map((b) => b.digest) };
  }

  /** An OCI index, or a Docker manifest list with `docker`. */
  addIndex(repo: string, tag: string, entries: Array<{ manifest: string; manifestSize: number; mediaType?: string; platform: { os: string; architecture: string; variant?: string } }>, docker = false): string {
    const type = docker ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json';
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: type,
      manifests: entries.map((e) => ({ mediaType: e.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', digest: e.manifest, size: e.manifestSize, platform: e.platform })),
    }));
    this.manifests.set(`${repo}:${tag}`, { bytes: index, type });
    return sha(index);
  }
}
