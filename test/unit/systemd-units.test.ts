// The unit writer: quoting for systemd and the create options a --new unit replaces.
import { describe, expect, it } from 'vitest';
import { containerUnit, filterCreateOptions, systemdWord } from '../../lib/systemd/units.js';

const base = {
  new: true, useName: true, restartPolicy: 'on-failure', stopTimeout: 10, containerPrefix: 'container', podPrefix: 'pod', separator: '-',
  wants: [], after: [], requires: [], env: [], header: false, tspod: '/opt/tspod/bin/tspod', version: '0.1.0', now: new Date(0),
};

describe('systemd units', () => {
  it('quotes words systemd would split, and escapes its specifiers and variables', () => {
    expect(systemdWord('plain')).toBe('plain');
    expect(systemdWord('two words')).toBe('"two words"');
    expect(systemdWord('100%')).toBe('100%%');
    expect(systemdWord('$HOME')).toBe('$$HOME');
    expect(systemdWord('say "hi"')).toBe('"say \\"hi\\""');
    expect(systemdWord('')).toBe('""');
  });

  it('drops the options a --new unit sets itself, keeping the rest (and the container\'s own --sdnotify)', () => {
    expect(filterCreateOptions(['-d', '--name', 'web', '--rm', '--cidfile', '/x', '--sdnotify=container', '-dit', '-e', 'A=1', '--replace', '--cgroups', 'split', '-p', '8080:80']))
      .toEqual(['--name', 'web', '--sdnotify=container', '-it', '-e', 'A=1', '-p', '8080:80']);
    const own = containerUnit({ id: 'abc', name: 'web', pidFile: '/p', storeDir: '/s', createCommand: { globals: [], options: ['-d', '--sdnotify=container'], operands: ['busybox'] } }, base);
    expect(own).toContain('--sdnotify=container');
    expect(own).not.toContain('--sdnotify=conmon');
  });

  it('writes a --new unit with the cid file as a systemd specifier and the name added when missing', () => {
    const text = containerUnit({ id: 'abc', name: 'web', pidFile: '/p', storeDir: '/s', createCommand: { globals: [], options: ['-d'], operands: ['busybox', 'echo', '50% off'] } }, base);
    expect(text).toContain('ExecStartPre=/bin/rm \\\n\t-f %t/%n.ctr-id');
    expect(text).toContain('\t--name web busybox echo "50%% off"');
    expect(text).toContain('ExecStopPost=/opt/tspod/bin/tspod rm \\\n\t-f \\\n\t--ignore -t 10 \\\n\t--cidfile=%t/%n.ctr-id');
    expect(text).toMatch(/^Type=notify\nNotifyAccess=all$/m);
  });
});
