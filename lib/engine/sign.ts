// `tspod image sign`: a "simple signing" signature (the atomic container signature JSON,
// signed with the user's GnuPG key by gpg) of an image's manifest digest, written where
// podman's lookaside store keeps them: DIR/REPO@sha256=HEX/signature-N.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { formatReference, parseReference, qualify, withDefaultTag } from '../image/reference.js';
import { findLocalImage } from '../image/resolve.js';
import { TspodError } from '../util/errors.js';
import { packageVersion } from './version.js';
import { openStore } from './store.js';
import type { RegistryOptions } from './registry.js';

export interface SignOptions extends RegistryOptions {
  signBy: string;
  /** --directory: the lookaside directory (default: the user's, as podman's) */
  directory?: string;
}

/** Sign each docker://REF; the files written. */
export async function imageSign(refs: string[], o: SignOptions): Promise<string[]> {
  if (!o.signBy) throw new TspodError('no signing key provided: give --sign-by KEY (a GnuPG key id or e-mail)');
  const written: string[] = [];
  for (const input of refs) {
    if (!input.startsWith('docker://')) {
      throw new TspodError(`invalid image name "${input}": expected colon-separated transport:reference\n(tspod signs registry images: docker://NAME[:TAG])`);
    }
    const ref = withDefaultTag(qualify(parseReference(input.slice('docker://'.length))));
    const name = formatReference(ref);
    const digest = await manifestDigest(name, o);
    const payload = JSON.stringify({
      critical: { identity: { 'docker-reference': name }, image: { 'docker-manifest-digest': digest }, type: 'atomic container signature' },
      optional: { creator: `tspod ${packageVersion()}`, timestamp: Math.floor(Date.now() / 1000) },
    });
    const signature = await gpgSign(payload, o.signBy);
    const base = o.directory ?? join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'containers', 'sigstore');
    const dir = join(base, `${ref.path}@${digest.replace(':', '=')}`);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    let n = 1;
    while (existsSync(join(dir, `signature-${n}`))) n++;
    const file = join(dir, `signature-${n}`);
    writeFileSync(file, signature, { flag: 'wx', mode: 0o644 });
    written.push(file);
  }
  return written;
}

/** The image's manifest digest: the local image's only when it was pulled from that very
 * repository (its repo digests say so), else the registry's. A local image of that name may
 * come from an archive, a build or a tag, whose digest the registry never served: signing it
 * under the registry's name would vouch for someone else's manifest. */
async function manifestDigest(name: string, o: RegistryOptions): Promise<string> {
  const local = findLocalImage(openStore().images.list(), name);
  const repo = name.replace(/^docker:\/\//, '').replace(/@.*$/, '').replace(/:[^:/]+$/, '');
  if (local?.digest && local.repoDigests?.includes(`${repo}@${local.digest}`)) return local.digest;
  const { remoteDocument } = await import('../image/manifest-list.js');
  const { parseCreds } = await import('./registry.js');
  const { createHash } = await import('node:crypto');
  const bytes = await remoteDocument(name, { tlsVerify: o.tlsVerify, creds: parseCreds(o.creds), authfile: o.authfile, certDir: o.certDir });
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** PAYLOAD signed (an OpenPGP message holding it, as podman's gpgme signing makes) with KEY by gpg. */
function gpgSign(payload: string, key: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', ['--batch', '--no-tty', '--quiet', '--local-user', key, '--sign', '--output', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => reject(new TspodError(e.code === 'ENOENT' ? 'signing needs gpg (GnuPG), which is not installed: install gnupg' : `running gpg: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new TspodError(`signing failed: gpg could not sign with key "${key}": ${err.trim().split('\n').at(-1) ?? `exit ${code}`}`));
    });
    child.stdin.end(payload);
  });
}
