// --runtime-flag as tspod's runtime answers it (spec/runtime-flags.ts): runc's harmless global
// flags pass, anything else is the runtime's refusal naming the flag.
import { describe, expect, it } from 'vitest';
import { checkRuntimeFlags, runtimeFlagRefusal } from '../../lib/spec/runtime-flags.js';
import { TspodError } from '../../lib/util/errors.js';
import { checkConfiguredRuntime, parseContainersConf } from '../../lib/config/containers-conf.js';

describe('runtime flags', () => {
  it('accepts runc\'s debug, log, log-format, root, criu and rootless with valid values', () => {
    for (const f of ['debug', 'debug=true', 'log=/tmp/x.log', 'log-format=text', 'log-format=json', 'root=/tmp/r', 'criu=/usr/sbin/criu', 'rootless=auto', 'rootless=true', 'rootless=false']) {
      expect(runtimeFlagRefusal(f), f).toBeUndefined();
    }
    expect(() => checkRuntimeFlags(['debug', 'log-format=json'])).not.toThrow();
  });

  it('refuses the rest as runc would, naming the flag', () => {
    expect(runtimeFlagRefusal('invalidflag')).toBe('flag provided but not defined: -invalidflag');
    expect(runtimeFlagRefusal('systemd-cgroup')).toBe('flag provided but not defined: -systemd-cgroup');
    expect(runtimeFlagRefusal('--debug')).toBe('bad flag syntax: ----debug');
    expect(runtimeFlagRefusal('log-format=xml')).toBe('invalid value "xml" for flag -log-format');
    expect(runtimeFlagRefusal('log')).toBe('flag needs an argument: -log');
    expect(runtimeFlagRefusal('rootless=maybe')).toBe('invalid value "maybe" for flag -rootless');
    expect(runtimeFlagRefusal('debug=yes')).toBe('invalid value "yes" for flag -debug');
    expect(runtimeFlagRefusal('constructor')).toBe('flag provided but not defined: -constructor');
  });

  it('run: exit 126 with podman\'s "OCI runtime error"; start: 125 naming the container', () => {
    const err = (fn: () => void): TspodError => {
      try {
        fn();
      } catch (e) {
        return e as TspodError;
      }
      throw new Error('no error');
    };
    const run = err(() => checkRuntimeFlags(['debug', 'invalidflag']));
    expect(run.exitCode).toBe(126);
    expect(run.message.split('\n')[0]).toBe('OCI runtime error: tspod-launch: flag provided but not defined: -invalidflag');
    expect(run.message).toContain('drop --runtime-flag invalidflag');
    const start = err(() => checkRuntimeFlags(['x'], { starting: 'web' }));
    expect(start.exitCode).toBe(125);
    expect(start.message.split('\n')[0]).toBe('OCI runtime error: unable to start container "web": tspod-launch: flag provided but not defined: -x');
  });
});

describe('containers.conf [engine] runtime', () => {
  it('is read and checked as podman checks it: a name that is no program is its error; an installed one is left alone', () => {
    expect(parseContainersConf('[engine]\nruntime = "idonotexist"\n').runtime).toBe('idonotexist');
    expect(() => parseContainersConf('[engine]\nruntime = 5\n', 'c.conf')).toThrow('c.conf: [engine] runtime must be a string');
    expect(() => checkConfiguredRuntime({ runtime: 'idonotexist' })).toThrow(/^default OCI runtime "idonotexist" not found: invalid argument\n/);
    expect(() => checkConfiguredRuntime({ runtime: 'sh' })).not.toThrow();
    expect(() => checkConfiguredRuntime({})).not.toThrow();
  });
});
