// --log-level and --debug: tspod's own log lines on stderr in logrus's text format, as podman
// writes them (time="..." level=debug msg="..."), so scripts that grep podman's logs work.
// The level lives on globalThis: the entry bundle sets it, each command bundle reads it.

export const logLevels = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic'] as const;
export type LogLevel = (typeof logLevels)[number];

const KEY = Symbol.for('tspod.logLevel');
const state = globalThis as { [KEY]?: number };
const rank = (l: LogLevel): number => ({ trace: 0, debug: 1, info: 2, warn: 3, warning: 3, error: 4, fatal: 5, panic: 6 })[l];

export function setLogLevel(level: LogLevel): void {
  state[KEY] = rank(level);
}

export function logEnabled(level: LogLevel): boolean {
  return rank(level) >= (state[KEY] ?? rank('warn'));
}

/** One line at LEVEL, when the level is on. */
export function log(level: 'trace' | 'debug' | 'info', msg: string): void {
  if (!logEnabled(level)) return;
  const time = new Date().toISOString().replace('Z', '+00:00');
  process.stderr.write(`time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`);
}
