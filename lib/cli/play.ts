// `tspod play kube [--down] FILE`
import { type Args, positionals } from './args.js';

export async function handler(a: Args): Promise<void> {
  const [file] = positionals(a, 'play kube', 1, 1, 'file');
  const { playKube } = await import('../engine/kube.js');
  const results = await playKube(file!, Boolean(a.down));
  if (a.down) {
    process.stdout.write(results.length ? `Pods stopped and removed:\n${results.map((r) => r.pod).join('\n')}\n` : '');
    return;
  }
  for (const r of results) process.stdout.write(`Pod:\n${r.pod}\nContainers:\n${r.containers.join('\n')}\n\n`);
}
