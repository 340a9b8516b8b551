// The three layer escapes of issue 10 (a hard link to a symlink, then a write or a
// hard link through it) through load, import and pull as the ordinary user: each
// is refused with exit 125 and leaves the user's files as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tspod } from './helpers.js';
import { dockerArchive, rawTar } from './fixtures.js';
import { FakeRegistry } from './fake-registry.js';

const tag = randomBytes(4).toString('hex');
const victim = join(homedir(), `tspod-victim-${tag}.txt`);
const secret = join(homedir(), `tspod-secret-${tag}`);

beforeAll(() => {
  writeFileSync(victim, 'the user\'s own file\n');
  writeFileSync(secret, 'a secret\n');
});
afterAll(() => {
  for (const f of [victim, secret]) if (existsSync(f)) unlinkSync(f);
});

/** `s -> DIR`, `h` a hard link to `s`, then `h/NAME`: written to DIR/NAME by a tar that follows h. */
const writeThroughHardLinkedSymlink = (dir: string, name: string) => rawTar([
  { path: 's', type: 'SymbolicLink', linkpath: dir },
  { path: 'h', type: 'Link', linkpath: 's' },
  { path: `h/${name}`, body: 'overwritten by an image\n' },
]);

function untouched() {
  expect(readFileSync(victim, 'utf8')).toBe('the user\'s own file\n');
  expect(readFileSync(secret, 'utf8')).toBe('a secret\n');
  expect(statSync(secret).nlink).toBe(1);
}

describe('layer escapes through hard links to symlinks', () => {
  it('load: h -> s -> ~ and h/victim.txt does not overwrite ~/victim.txt', async () => {
    const archive = dockerArchive(`localhost/escape-load-${tag}:latest`, [writeThroughHardLinkedSymlink(homedir(), `tspod-victim-${tag}.txt`)]);
    const r = await tspod(['load', '-i', archive]);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/would be written through the symlink "h"/);
    untouched();
    expect((await tspod(['images', '--format', '{{.Repository}}'])).stdout).not.toContain(`escape-load-${tag}`);
  });

  it('import: h -> s -> /tmp creates nothing in /tmp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-escape-'));
    const tarball = join(dir, 'rootfs.tar');
    writeFileSync(tarball, writeThroughHardLinkedSymlink('/tmp', `tspod-escaped-${tag}`));
    const r = await tspod(['import', tarball, `escape-import-${tag}`]);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/would be written through the symlink "h"/);
    expect(existsSync(`/tmp/tspod-escaped-${tag}`)).toBe(false);
  });

  it('load: a hard link to s/FILE with s -> ~ does not make the user\'s file part of the image', async () => {
    const layer = rawTar([
      { path: 's', type: 'SymbolicLink', linkpath: homedir() },
      { path: 'stolen', type: 'Link', linkpath: `s/tspod-secret-${tag}` },
    ]);
    const r = await tspod(['load', '-i', dockerArchive(`localhost/escape-steal-${tag}:latest`, [layer])]);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/hard link target of "stolen" goes through the symlink "s"/);
    untouched();
  });

  describe('pull', () => {
    const fake = new FakeRegistry();
    beforeAll(async () => {
      await fake.start();
    });
    afterAll(async () => {
      await fake.stop();
    });

    it('takes the same path: h -> s -> ~ is refused and ~ is untouched', async () => {
      fake.addImage('escape', 'v1', [{ tar: writeThroughHardLinkedSymlink(homedir(), `tspod-victim-${tag}.txt`) }]);
      const r = await tspod(['pull', '--tls-verify=false', `${fake.address}/escape:v1`]);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toMatch(/would be written through the symlink "h"/);
      untouched();
    });
  });
});
