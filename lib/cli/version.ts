// `tspod version [--format json|TEMPLATE]`
import type { Args } from './args.js';
import { renderObject } from './format.js';
import { out } from './out.js';

export async function handler(a: Args): Promise<void> {
  const { versionInfo } = await import('../engine/version.js');
  const v = versionInfo();
  const format = a.format as string | undefined;
  if (format === 'json') out(JSON.stringify({ Client: v }, null, 2) + '\n');
  // as podman's local version: .Client and .Server are the same, and the fields also at the top
  else if (format) out(renderObject({ ...v, Client: v, Server: v }, format, { verb: 'version' }));
  else out(`Version:      ${v.Version}\nNode Version: ${v.NodeVersion}\nOS/Arch:      ${v.OsArch}\n`);
}
