// --log-driver journald: the container's lines go to the systemd journal (helpers-c/logsink.c
// writes them in the journal's native protocol, with the fields podman's journald driver uses:
// CONTAINER_ID, CONTAINER_ID_FULL, CONTAINER_NAME, CONTAINER_TAG, SYSLOG_IDENTIFIER, PRIORITY 6 for
// stdout and 3 for stderr, CONTAINER_PARTIAL_MESSAGE), and `logs` reads them back with journalctl.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { TspodError } from '../util/errors.js';
import type { LogEntry } from './containers.js';

/** The journal's socket: systemd's, unless TSPOD_JOURNAL_SOCKET names another (tspod's tests stand
 * in for journald with it; the helpers read the same variable). */
function journalSocket(): string {
  return process.env.TSPOD_JOURNAL_SOCKET || '/run/systemd/journal/socket';
}

/** Where the journal is not running podman refuses the container (its words, exit 125); so does
 * tspod, naming the way out. */
export function checkJournal(): void {
  const path = journalSocket();
  let socket = false;
  try {
    socket = statSync(path).isSocket();
  } catch {
    /* not there */
  }
  if (!socket) {
    throw new TspodError(`failed to initialize journal: write unixgram ->${path}: sendmsg: no such file or directory\n` +
      'the journald log driver needs systemd-journald running on this host; use --log-driver k8s-file (the default) instead');
  }
}

interface JournalRecord {
  __CURSOR?: string;
  __REALTIME_TIMESTAMP?: string;
  MESSAGE?: string | number[] | null;
  PRIORITY?: string;
  CONTAINER_PARTIAL_MESSAGE?: string;
}

/** One line of `journalctl -o json` as a log entry (MESSAGE is an array of bytes when it is not
 * UTF-8, null when too large for journalctl to print). */
export function journalEntry(line: string): { entry: LogEntry; cursor?: string } | undefined {
  let r: JournalRecord;
  try {
    r = JSON.parse(line) as JournalRecord;
  } catch {
    return undefined;
  }
  if (typeof r !== 'object' || r === null) return undefined;
  const text = typeof r.MESSAGE === 'string' ? r.MESSAGE : Array.isArray(r.MESSAGE) ? Buffer.from(r.MESSAGE).toString('utf8') : '';
  const micros = Number(r.__REALTIME_TIMESTAMP ?? 0);
  const time = new Date(Math.floor(micros / 1000)).toISOString().replace('Z', `${String(micros % 1000).padStart(3, '0')}+00:00`);
  return { entry: { time, stream: r.PRIORITY === '3' ? 'stderr' : 'stdout', partial: r.CONTAINER_PARTIAL_MESSAGE === 'true', text }, cursor: r.__CURSOR };
}

/** The container's entries after CURSOR (all without), and the cursor of the last. */
export function readJournal(id: string, cursor?: string): { entries: LogEntry[]; cursor?: string } {
  const args = ['--no-pager', '-q', '-o', 'json', ...(cursor ? [`--after-cursor=${cursor}`] : []), `CONTAINER_ID_FULL=${id}`];
  const r = spawnSync('journalctl', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw new TspodError(`cannot read the journal: ${r.error.message}\nthe journald log driver's lines are read with journalctl (Debian's systemd package)`);
  if (r.status !== 0) throw new TspodError(`cannot read the journal: journalctl: ${r.stderr.trim() || `exit ${r.status}`}`);
  const entries: LogEntry[] = [];
  let last = cursor;
  for (const line of r.stdout.split('\n')) {
    const e = line ? journalEntry(line) : undefined;
    if (!e) continue;
    entries.push(e.entry);
    if (e.cursor) last = e.cursor;
  }
  return { entries, cursor: last };
}
