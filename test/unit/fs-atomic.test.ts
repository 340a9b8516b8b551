// writeFileAtomic where others may write (an --authfile in /tmp): a planted temp name neither
// receives the data nor redirects the write. Budget: under 1 s.
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from '../../lib/util/fs.js';

const dir = mkdtempSync(join(tmpdir(), 'tspod-fs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('does not write through a symlink or into a file planted at its temp name', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    // Every name the next writes could take with this "random" part: symlinks to the victim,
    // and a planted file someone else could read.
    const random = vi.spyOn(Math, 'random').mockReturnValueOnce(0.5).mockReturnValueOnce(0.5);
    const part = (0.5).toString(36).slice(2, 10);
    for (let n = 0; n < 200; n++) {
      symlinkSync(victim, join(dir, `.auth.json.${process.pid}-${n}-${part}.tmp`));
      writeFileSync(join(dir, `.other.json.${process.pid}-${n}-${part}.tmp`), '');
    }
    writeFileAtomic(join(dir, 'auth.json'), 'secret\n', 0o600);
    random.mockRestore();
    expect(readFileSync(join(dir, 'auth.json'), 'utf8')).toBe('secret\n');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    // the same "random" part for this write, so that it meets the planted files
    const again = vi.spyOn(Math, 'random').mockReturnValueOnce(0.5).mockReturnValueOnce(0.5);
    writeFileAtomic(join(dir, 'other.json'), 'secret2\n', 0o600);
    again.mockRestore();
    for (const f of readdirSync(dir).filter((f) => f.startsWith('.other.json.'))) expect(readFileSync(join(dir, f), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'other.json'), 'utf8')).toBe('secret2\n');
  });
});
