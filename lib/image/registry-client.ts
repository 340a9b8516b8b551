// One registry host spoken to over the OCI distribution API: HTTPS (or plain
// HTTP for insecure registries), the Bearer token and Basic auth challenges,
// redirects, and the registry's errors turned into messages that say what to do.
import * as http from 'node:http';
import * as https from 'node:https';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Credentials } from '../config/auth-file.js';
import { TspodError, errnoCode } from '../util/errors.js';

export interface ClientOptions {
  /** plain HTTP allowed and certificates not checked */
  insecure: boolean;
  creds?: Credentials;
  /** --cert-dir: a directory as docker's certs.d/HOST: *.crt are trusted CAs, NAME.cert with NAME.key a client certificate */
  certDir?: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** the repository and actions the request needs ("pull", "pull,push") */
  scope?: { repo: string; actions: string };
  /** statuses the caller handles itself (others become errors) */
  ok?: number[];
}

export interface RegistryResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: IncomingMessage;
  url: URL;
}

const userAgent = 'tspod/0.1';

let extraCa: { file: string | undefined; roots: string[] | undefined } | undefined;
/** The trusted roots when the user named extra ones in NODE_EXTRA_CA_CERTS, which bin/tspod
 * hands over as TSPOD_EXTRA_CA_CERTS so that only commands that reach a registry read the file
 * (Node would load it before any command runs). Node's rule is kept: an unreadable file is
 * ignored with a warning. */
export function trustedCertificates(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const file = env.TSPOD_EXTRA_CA_CERTS || undefined;
  if (extraCa && extraCa.file === file) return extraCa.roots;
  let roots: string[] | undefined;
  if (file) {
    try {
      roots = [...rootCertificates, readFileSync(file, 'utf8')];
    } catch (err) {
      process.stderr.write(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}\n`);
    }
  }
  extraCa = { file, roots };
  return roots;
}

export async function readBody(res: IncomingMessage, limit = 8 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.destroy();
      throw new TspodError(`the registry sent more than ${limit} bytes where a small document was expected`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The TLS options of a --cert-dir directory, read as containers/image reads certs.d: every *.crt is a
 * trusted CA (beside the system's), NAME.cert with NAME.key is the client certificate. */
export function certDirTls(dir: string): { ca?: string[]; cert?: string; key?: string } {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    throw new TspodError(`--cert-dir ${dir}: cannot read the directory: ${(err as Error).message}`);
  }
  const out: { ca?: string[]; cert?: string; key?: string } = {};
  const cas = names.filter((n) => n.endsWith('.crt')).map((n) => readFileSync(join(dir, n), 'utf8'));
  if (cas.length) out.ca = [...(trustedCertificates() ?? rootCertificates), ...cas];
  for (const n of names.filter((x) => x.endsWith('.cert'))) {
    const key = `${n.slice(0, -5)}.key`;
    if (!names.includes(key)) throw new TspodError(`--cert-dir ${dir}: missing key ${key} for client certificate ${n}; a client certificate needs its key beside it`);
    out.cert = readFileSync(join(dir, n), 'utf8');
    out.key = readFileSync(join(dir, key), 'utf8');
  }
  for (const n of names.filter((x) => x.endsWith('.key'))) {
    if (!names.includes(`${n.slice(0, -4)}.cert`)) throw new TspodError(`--cert-dir ${dir}: missing client certificate ${n.slice(0, -4)}.cert for key ${n}`);
  }
  return out;
}

/** key=value pairs of a WWW-Authenticate challenge. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^(\w+)\s*(.*)$/s.exec(header.trim());
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: (m?.[1] ?? '').toLowerCase(), params };
}

function tlsHint(err: unknown): boolean {
  const code = errnoCode(err) ?? '';
  return code.startsWith('ERR_SSL') || code === 'EPROTO' || /SSL|TLS|certificate|self.signed/i.test((err as Error).message ?? '');
}

export class RegistryClient {
  /** the host:port requests go to (docker.io is served by registry-1.docker.io) */
  readonly endpoint: string;
  private scheme?: 'https' | 'http';
  private authHeaders = new Map<string, string>();
  private basic?: string;
  private tls: { ca?: string[]; cert?: string; key?: string };

  constructor(readonly host: string, readonly opts: ClientOptions) {
    this.endpoint = host === 'docker.io' ? 'registry-1.docker.io' : host;
    if (opts.creds) this.basic = 'Basic ' + Buffer.from(`${opts.creds.username}:${opts.creds.password}`).toString('base64');
    this.tls = opts.certDir ? certDirTls(opts.certDir) : {};
  }

  private send(method: string, url: URL, headers: Record<string, string>, body?: Buffer | Readable): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const mod = url.protocol === 'https:' ? https : http;
      const ca = url.protocol === 'https:' ? this.tls.ca ?? trustedCertificates() : undefined;
      const client = url.protocol === 'https:' && this.tls.cert ? { cert: this.tls.cert, key: this.tls.key } : {};
      const req = mod.request(url, { method, headers: { 'User-Agent': userAgent, ...headers }, rejectUnauthorized: !this.opts.insecure, timeout: 60_000, ...(ca ? { ca } : {}), ...client });
      req.on('response', resolve);
      req.on('error', reject);
      req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within 60 seconds'), { code: 'ETIMEDOUT' })));
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      }
    });
  }

  private networkError(err: unknown): TspodError {
    const code = errnoCode(err);
    const where = `registry ${this.host}`;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new TspodError(`cannot reach ${where}: unknown host "${this.endpoint.replace(/:\d+$/, '')}"; check the name (and DNS)`);
    if (code === 'ECONNREFUSED') return new TspodError(`cannot reach ${where}: connection refused at ${this.endpoint}; is a registry listening there?`);
    if (code === 'ETIMEDOUT') return new TspodError(`${where} did not answer in time (${(err as Error).message})`);
    if (tlsHint(err) && !this.opts.insecure) {
      const msg = (err as Error).message;
      const why = /wrong version number|packet length too long/.test(msg) ? 'it does not speak TLS (plain HTTP?)' : msg.split('\n')[0]!.replace(/^\w+ EPROTO [^:]*:error:[^:]*:[^:]*:/, '');
      return new TspodError(`TLS connection to ${where} failed: ${why}; if it serves plain HTTP or a self-signed certificate, use --tls-verify=false or mark it insecure in registries.conf`);
    }
    return new TspodError(`talking to ${where} failed: ${(err as Error).message}`);
  }

  /** Pick https, or http for an insecure registry that does not speak TLS. */
  private async base(): Promise<string> {
    if (this.scheme) return `${this.scheme}://${this.endpoint}`;
    if (!this.opts.insecure) {
      this.scheme = 'https';
      return `https://${this.endpoint}`;
    }
    try {
      const res = await this.send('GET', new URL(`https://${this.endpoint}/v2/`), {});
      res.resume();
      this.scheme = 'https';
    } catch (err) {
      if (errnoCode(err) === 'ECONNREFUSED' || errnoCode(err) === 'ENOTFOUND' || errnoCode(err) === 'EAI_AGAIN') throw this.networkError(err);
      this.scheme = 'http';
    }
    return `${this.scheme}://${this.endpoint}`;
  }

  private scopeKey(scope?: RequestOptions['scope']): string {
    return scope ? `repository:${scope.repo}:${scope.actions}` : '';
  }

  /** Answer a 401 challenge: fetch a Bearer token or use Basic credentials. */
  private async authenticate(challenge: string | undefined, scope: RequestOptions['scope']): Promise<string | undefined> {
    if (!challenge) return this.basic;
    const { scheme, params } = parseChallenge(challenge);
    if (scheme === 'basic') return this.basic;
    if (scheme !== 'bearer' || !params.realm) throw new TspodError(`registry ${this.host} asks for "${scheme}" authentication, which tspod does not speak (Bearer and Basic are supported)`);
    let realm: URL;
    try {
      realm = new URL(params.realm);
    } catch {
      throw new TspodError(`registry ${this.host} named a token service that is not a URL: "${params.realm}"`);
    }
    if (params.service) realm.searchParams.set('service', params.service);
    const key = this.scopeKey(scope);
    if (key) realm.searchParams.set('scope', key);
    else if (params.scope) realm.searchParams.set('scope', params.scope);
    let res: IncomingMessage;
    try {
      res = await this.send('GET', realm, this.basic ? { Authorization: this.basic } : {});
    } catch (err) {
      throw new TspodError(`cannot get a token from ${realm.origin} for registry ${this.host}: ${(err as Error).message}`);
    }
    const body = await readBody(res);
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new TspodError(this.basic
        ? `registry ${this.host} rejected the credentials (token service answered ${res.statusCode}); check the user name and password, or log in again with \`tspod login ${this.host}\``
        : `registry ${this.host} requires credentials: log in with \`tspod login ${this.host}\` or pass --creds USER:PASSWORD`);
    }
    if (res.statusCode !== 200) throw new TspodError(`the token service of ${this.host} answered ${res.statusCode}: ${body.toString('utf8').slice(0, 200)}`);
    let token: string | undefined;
    try {
      const j = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string };
      token = j.token || j.access_token;
    } catch {
      /* handled below */
    }
    if (!token) throw new TspodError(`the token service of ${this.host} answered without a token`);
    return `Bearer ${token}`;
  }

  /** One API call; follows redirects and answers one auth challenge. */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<RegistryResponse> {
    let url = new URL(path.startsWith('http') ? path : (await this.base()) + path);
    const key = this.scopeKey(o.scope);
    let authorised = false;
    for (let hop = 0; hop < 8; hop++) {
      const sameHost = url.host === new URL(`http://${this.endpoint}`).host;
      const headers: Record<string, string> = { ...o.headers };
      const auth = this.authHeaders.get(key) ?? this.authHeaders.get('');
      if (sameHost && auth) headers.Authorization = auth;
      let res: IncomingMessage;
      try {
        res = await this.send(method, url, headers, o.body);
      } catch (err) {
        throw this.networkError(err);
      }
      const status = res.statusCode ?? 0;
      if (status === 401 && sameHost && !authorised && !(o.body && !Buffer.isBuffer(o.body))) {
        res.resume();
        const header = await this.authenticate(res.headers['www-authenticate'], o.scope);
        if (!header) {
          throw new TspodError(`registry ${this.host} requires credentials${o.scope ? ` for ${o.scope.repo}` : ''}: log in with \`tspod login ${this.host}\` or pass --creds USER:PASSWORD`);
        }
        this.authHeaders.set(key, header);
        authorised = true;
        continue;
      }
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        res.resume();
        url = new URL(res.headers.location, url);
        if (status === 303) method = 'GET';
        continue;
      }
      if ((status >= 200 && status < 300) || o.ok?.includes(status)) return { status, headers: res.headers, body: res, url };
      throw await this.apiError(res, status, o.scope?.repo);
    }
    throw new TspodError(`registry ${this.host} redirected too many times`);
  }

  private async apiError(res: IncomingMessage, status: number, repo?: string): Promise<TspodError> {
    let detail = '';
    let code = '';
    try {
      const body = (await readBody(res, 64 * 1024)).toString('utf8');
      const j = JSON.parse(body) as { errors?: Array<{ code?: string; message?: string }> };
      code = j.errors?.[0]?.code ?? '';
      detail = j.errors?.map((e) => `${e.code ?? ''}: ${e.message ?? ''}`).join('; ') ?? '';
    } catch {
      /* not a registry error document */
    }
    const what = repo ? `${this.host}/${repo}` : this.host;
    if (status === 401) {
      return new TspodError(this.basic
        ? `registry ${this.host} rejected the credentials for ${what} (401 unauthorized); check the user name and password, or log in again with \`tspod login ${this.host}\``
        : `registry ${this.host} requires credentials for ${what} (401 unauthorized): log in with \`tspod login ${this.host}\` or pass --creds USER:PASSWORD`);
    }
    if (status === 403) return new TspodError(`registry ${this.host} denied access to ${what} (403 forbidden): the account has no permission for it`);
    if (status === 404 && code === 'NAME_UNKNOWN') return new TspodError(`repository ${what} does not exist on the registry (NAME_UNKNOWN); check the name`);
    if (status === 404 && code === 'MANIFEST_UNKNOWN') return new TspodError(`${what}: manifest unknown: that tag or digest does not exist in the repository`);
    if (status === 404 && code === 'BLOB_UNKNOWN') return new TspodError(`${what}: the registry lacks a blob the manifest names (BLOB_UNKNOWN); the image on the registry is incomplete`);
    return new TspodError(`registry ${this.host} answered ${status}${detail ? ` (${detail})` : ''} for ${what}`);
  }

  /** GET /v2/: does the registry answer, and do the credentials (if any) pass? */
  async ping(): Promise<void> {
    const res = await this.request('GET', '/v2/');
    res.body.resume();
  }
}
