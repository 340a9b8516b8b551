// `tspod info [--format json|TEMPLATE]`
import type { Args } from './args.js';
import { renderObject } from './format.js';

function yaml(v: unknown, indent = ''): string {
  if (Array.isArray(v)) return v.map((x) => `${indent}- ${yaml(x, indent + '  ').trimStart()}`).join('');
  if (v && typeof v === 'object') {
    return Object.entries(v).map(([k, x]) => (x && typeof x === 'object' && Object.keys(x).length ? `${indent}${k}:\n${yaml(x, indent + '  ')}` : `${indent}${k}: ${x && typeof x === 'object' ? '{}' : String(x)}\n`)).join('');
  }
  return `${String(v)}\n`;
}

export async function handler(a: Args): Promise<void> {
  const { systemInfo } = await import('../engine/system.js');
  const info = await systemInfo();
  const format = a.format as string | undefined;
  if (format === 'json') process.stdout.write(JSON.stringify(info, null, 2) + '\n');
  else if (format) {
    process.stdout.write(renderObject(info, format, { verb: 'info' }));
  } else process.stdout.write(yaml(info));
}
