// NODE_EXTRA_CA_CERTS reaches the registry client as TSPOD_EXTRA_CA_CERTS (bin/tspod sets
// it aside so that Node does not load it on every command): a registry whose certificate
// only that file vouches for is trusted, and without it refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, trustedCertificates } from '../../lib/image/registry-client.js';

const dir = mkdtempSync(join(tmpdir(), 'tspod-ca-'));
let server: Server;
let host = '';

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
  delete process.env.TSPOD_EXTRA_CA_CERTS;
  rmSync(dir, { recursive: true, force: true });
});

describe('extra CA certificates', () => {
  it('refuses a certificate no root vouches for', async () => {
    delete process.env.TSPOD_EXTRA_CA_CERTS;
    await expect(new RegistryClient(host, { insecure: false }).ping()).rejects.toThrow(/TLS connection to .* failed/);
  });

  it('trusts it when TSPOD_EXTRA_CA_CERTS names it, keeping the usual roots', async () => {
    process.env.TSPOD_EXTRA_CA_CERTS = join(dir, 'cert.pem');
    await expect(new RegistryClient(host, { insecure: false }).ping()).resolves.toBeUndefined();
    expect(trustedCertificates()!.length).toBeGreaterThan(100);
  });

  it('ignores an unreadable file, as Node does', () => {
    expect(trustedCertificates({ TSPOD_EXTRA_CA_CERTS: join(dir, 'missing.pem') })).toBeUndefined();
  });
});
