// `image sign`: a simple-signing signature of the image's manifest digest, made with the
// user's GnuPG key, in podman's lookaside layout; gpg verifies it. Budget: about 12 s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv, tspod } from './helpers.js';
import { startRegistry, type RunningRegistry } from './registries.js';

const hasGpg = (() => {
  try {
    execFileSync('gpg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const dir = mkdtempSync(join(tmpdir(), 'tspod-sign-'));
const gnupg = join(dir, 'gnupg');
let registry: RunningRegistry | undefined;
afterAll(async () => {
  registry?.process.kill();
  await execa('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupg }, reject: false });
  rmSync(dir, { recursive: true, force: true });
});

describe('image sign', () => {
  it.skipIf(!hasGpg)('signs docker://NAME with --sign-by into DIR/REPO@sha256=HEX/signature-N; gpg verifies it', async () => {
    await execa('mkdir', ['-m', '0700', gnupg]);
    writeFileSync(join(dir, 'key'), 'Key-Type: RSA\nKey-Length: 2048\nName-Real: Foo\nName-Email: foo@bar.com\nExpire-Date: 0\n%no-protection\n%commit\n');
    const env = { ...testEnv(), GNUPGHOME: gnupg };
    await execa('gpg', ['--batch', '--quiet', '--gen-key', join(dir, 'key')], { env });
    // The image as the registry serves it: pushed, then pulled back (its digest is the registry's)
    registry = await startRegistry(join(dir, 'registry'), false);
    const ref = `${registry.address}/signed/busybox`;
    expect((await tspod(['push', '--tls-verify=false', 'busybox', ref])).exitCode).toBe(0);
    expect((await tspod(['pull', '-q', '--tls-verify=false', ref])).exitCode).toBe(0);
    const sigs = join(dir, 'sigs');
    const sign = await tspod(['image', 'sign', '--sign-by', 'foo@bar.com', '--directory', sigs, `docker://${ref}`], { env });
    expect(sign.exitCode, sign.stderr).toBe(0);
    const digest = (await tspod(['inspect', '--format', '{{.Digest}}', ref])).stdout;
    const sigDir = join(sigs, `signed/busybox@${digest.replace(':', '=')}`);
    expect(readdirSync(sigDir)).toEqual(['signature-1']);
    const verify = await execa('gpg', ['--verify', join(sigDir, 'signature-1')], { env, reject: false, all: true });
    expect(verify.all).toMatch(/Good signature from "Foo <foo@bar.com>"/);
    const payload = JSON.parse((await execa('gpg', ['--quiet', '--decrypt', join(sigDir, 'signature-1')], { env, reject: false })).stdout) as { critical: unknown };
    expect(payload.critical).toEqual({ identity: { 'docker-reference': `${ref}:latest` }, image: { 'docker-manifest-digest': digest }, type: 'atomic container signature' });
    // a second signature is signature-2
    expect((await tspod(['image', 'sign', '--sign-by', 'foo@bar.com', '-d', sigs, `docker://${ref}`], { env })).exitCode).toBe(0);
    // A local image of a registry's name that did not come from there (loaded: localhost/busybox)
    // is not signed with its local digest: the registry is asked, and here there is none.
    const loaded = await tspod(['image', 'sign', '--sign-by', 'foo@bar.com', '-d', sigs, 'docker://localhost/busybox'], { env });
    expect(loaded.exitCode).toBe(125);
    expect(readdirSync(sigs).some((d) => d.startsWith('busybox@'))).toBe(false);
    expect(readdirSync(sigDir).sort()).toEqual(['signature-1', 'signature-2']);
    // errors: no transport, an unknown key
    const bare = await tspod(['image', 'sign', '--sign-by', 'foo@bar.com', '-d', sigs, 'busybox'], { env });
    expect([bare.exitCode, bare.stderr.split('\n')[0]]).toEqual([125, 'Error: invalid image name "busybox": expected colon-separated transport:reference']);
    const nokey = await tspod(['image', 'sign', '--sign-by', 'nobody@example.com', '-d', sigs, `docker://${ref}`], { env });
    expect(nokey.exitCode).toBe(125);
    expect(nokey.stderr).toMatch(/^Error: signing failed: gpg could not sign with key "nobody@example.com"/);
    // the name the pull added to the shared test image goes again (other files list its names)
    expect((await tspod(['untag', ref, ref])).exitCode).toBe(0);
  });
});
