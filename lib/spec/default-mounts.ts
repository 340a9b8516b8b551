// podman's mounts.conf (`--default-mounts-file`, containers/common's "subscriptions"): one
// `SOURCE:DESTINATION` a line, `#` comments and blank lines skipped. Each SOURCE (a file or a
// directory of the host) is copied into every container and bound at DESTINATION (engine/run.ts).
// Pure: the file is read by the caller.
import { isAbsolute, posix } from 'node:path';

export interface DefaultMount {
  source: string;
  destination: string;
}

export function parseMountsConf(text: string): DefaultMount[] {
  const out: DefaultMount[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    // a line that does not name two absolute paths is passed over
    if (i < 0) continue;
    const source = line.slice(0, i);
    const destination = line.slice(i + 1);
    if (!isAbsolute(source) || !destination.startsWith('/')) continue;
    out.push({ source, destination: posix.normalize(destination).replace(/(.)\/+$/, '$1') });
  }
  return out;
}
