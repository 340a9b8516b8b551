// Human-readable durations and sizes as podman prints them (go-units).
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

export function ago(iso: string, now = Date.now()): string {
  return `${humanDuration(now - Date.parse(iso))} ago`;
}

/** BYTES in decimal units (kB = 1000 B), to DIGITS significant digits, UNITS up to TOP. */
function decimalSize(bytes: number, digits: number, sep: string, top: string): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  const last = units.indexOf(top);
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < last) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(digits))}${sep}${units[i]}`;
}

export function humanSize(bytes: number): string {
  return decimalSize(bytes, 3, ' ', 'TB');
}

/** go-units' HumanSize (4 significant digits, no space): podman's inspect LogConfig.Size. */
export function goHumanSize(bytes: number): string {
  return decimalSize(bytes, 4, '', 'PB');
}

/** Go's %-Ns column layout: pad every column but the last to its widest cell + 2. */
export function columns(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('').trimEnd()).join('\n') + '\n';
}

/** Strings in byte order, as Go's sort.Strings orders them (podman's sorts): also cheaper than
 * localeCompare, whose first call loads ICU's collation tables (several ms at start-up). */
export function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
