// The health-check flags (--health-cmd, --health-interval, --health-retries, --health-start-period,
// --health-timeout, --health-on-failure, --no-healthcheck) and the image's HEALTHCHECK, as podman 4.3
// reads them: one healthcheck config (inspect's Config.Healthcheck, durations in nanoseconds). Pure.
import { TspodError } from '../util/errors.js';

export interface HealthFlags {
  cmd?: string;
  interval?: string;
  retries?: number;
  startPeriod?: string;
  timeout?: string;
  onFailure?: string;
  none?: boolean;
}

/** Docker's and podman's healthcheck config: Test (["CMD-SHELL", cmd], ["CMD", ...] or ["NONE"]), durations in ns. */
export interface HealthConfig {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds. */
export function parseGoDuration(v: string): number {
  if (v === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  while (i < v.length) {
    re.lastIndex = i;
    const m = re.exec(v);
    if (!m) throw new TspodError(`time: invalid duration "${v}"`);
    total += Number(m[1]) * units[m[2]!]!;
    i = re.lastIndex;
  }
  if (!v) throw new TspodError(`time: invalid duration "${v}"`);
  return Math.round(total);
}

export const healthActions = ['none', 'kill', 'restart', 'stop'];

/** The container's healthcheck: the flags over the image's; undefined when there is none. */
export function healthConfig(f: HealthFlags, image: HealthConfig | undefined): { config?: HealthConfig; onFailure: string } {
  const onFailure = f.onFailure ?? 'none';
  if (!healthActions.includes(onFailure)) throw new TspodError(`invalid on-failure action "${onFailure}" for health check: supported actions are ${healthActions.join(',')}`);
  if (f.none) {
    if (f.cmd !== undefined) throw new TspodError('cannot specify both --no-healthcheck and --health-cmd');
    return { config: undefined, onFailure };
  }
  let test: string[] | undefined = image?.Test;
  if (f.cmd !== undefined) {
    if (f.cmd === 'none' || f.cmd === '') test = ['NONE'];
    else if (f.cmd.trim().startsWith('[')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(f.cmd);
      } catch {
        throw new TspodError(`invalid --health-cmd ${f.cmd}: a command, or a JSON list such as ["CMD","curl","-f","http://localhost/"]`);
      }
      if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string') || !parsed.length) throw new TspodError(`invalid --health-cmd ${f.cmd}: a JSON list of strings`);
      test = parsed[0] === 'CMD' || parsed[0] === 'CMD-SHELL' || parsed[0] === 'NONE' ? parsed : ['CMD', ...parsed];
    } else {
      test = ['CMD-SHELL', f.cmd];
    }
  }
  if (!test || test[0] === 'NONE') return { config: undefined, onFailure };
  const dur = (flag: string, v: string | undefined, def: number | undefined) => {
    if (v === undefined) return def;
    if (v === 'disable') return 0;
    try {
      const n = parseGoDuration(v);
      if (n < 0) throw new Error();
      return n;
    } catch (err) {
      throw new TspodError(`invalid ${flag}: ${(err as Error).message}`);
    }
  };
  const config: HealthConfig = { Test: test };
  const interval = dur('healthcheck-interval', f.interval, image?.Interval ?? 30e9);
  const timeout = dur('healthcheck-timeout', f.timeout, image?.Timeout ?? 30e9);
  const startPeriod = dur('healthcheck-start-period', f.startPeriod, image?.StartPeriod);
  if (interval !== undefined) config.Interval = interval;
  if (timeout !== undefined) {
    if (timeout !== 0 && timeout < 1e9) throw new TspodError('healthcheck-timeout must be at least 1 second');
    config.Timeout = timeout;
  }
  if (startPeriod) config.StartPeriod = startPeriod;
  const retries = f.retries ?? image?.Retries ?? 3;
  if (retries < 1) throw new TspodError('healthcheck-retries must be greater than 0');
  config.Retries = retries;
  return { config, onFailure };
}

/** The argv a healthcheck runs in the container. */
export function healthArgv(test: string[]): string[] {
  return test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test[0] === 'CMD' ? test.slice(1) : test;
}

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
}

/** podman's bookkeeping after one check: a failure in the start period does not count while the
 * container was never healthy; RETRIES failures in a row make it unhealthy; 5 log entries kept. */
export function nextHealth(prev: HealthState | undefined, r: { start: string; end: string; exitCode: number; output: string }, retries: number, inStartPeriod: boolean): HealthState {
  const s: HealthState = prev ? { ...prev, Log: [...prev.Log] } : { Status: 'starting', FailingStreak: 0, Log: [] };
  s.Log.push({ Start: r.start, End: r.end, ExitCode: r.exitCode, Output: r.output });
  if (s.Log.length > 5) s.Log = s.Log.slice(-5);
  if (r.exitCode === 0) {
    s.Status = 'healthy';
    s.FailingStreak = 0;
  } else if (!(inStartPeriod && s.Status === 'starting')) {
    s.FailingStreak++;
    if (s.FailingStreak >= retries) s.Status = 'unhealthy';
  }
  return s;
}
