// `tspod generate systemd [options] CONTAINER` and `tspod generate kube CONTAINER|POD`
import { type Args, positionals, toArray } from './args.js';

export async function handler(a: Args): Promise<void> {
  const what = a.command.split(' ')[1];
  const [ref] = positionals(a, a.command, 1, 1, what === 'kube' ? 'container or pod' : 'container');
  if (what === 'kube') {
    const { generateKube } = await import('../engine/kube.js');
    const yaml = generateKube(ref!, Boolean(a.service));
    if (a.filename) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(String(a.filename), yaml);
    } else {
      process.stdout.write(yaml);
    }
    return;
  }
  const { generateSystemd } = await import('../engine/systemd.js');
  const newGiven = (a.commandLine as { options?: string[] } | undefined)?.options?.some((t) => t === '--new' || t.startsWith('--new='));
  if (a.template && newGiven && a.new === false) {
    const { TspodError } = await import('../util/errors.js');
    throw new TspodError('--template cannot be set with --new=false');
  }
  const units = generateSystemd(ref!, {
    new: Boolean(a.new) || Boolean(a.template), template: Boolean(a.template), startTimeout: a['start-timeout'] as number | undefined, useName: Boolean(a.name), restartPolicy: String(a['restart-policy']),
    restartSec: a['restart-sec'] as number | undefined, stopTimeout: Number(a['stop-timeout'] ?? a.time),
    containerPrefix: String(a['container-prefix']), podPrefix: String(a['pod-prefix']), separator: String(a.separator),
    wants: toArray(a.wants), after: toArray(a.after), requires: toArray(a.requires), env: toArray(a.env), header: !a['no-header'],
  });
  if (a.files) {
    const { writeFileSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    for (const u of units) {
      const path = resolve(u.name);
      writeFileSync(path, u.text);
      process.stdout.write(`${path}\n`);
    }
    return;
  }
  if (a.format === 'json') {
    process.stdout.write(JSON.stringify(Object.fromEntries(units.map((u) => [u.name.replace(/\.service$/, ''), u.text])), null, 4) + '\n');
    return;
  }
  process.stdout.write(units.map((u) => u.text).join('\n'));
}
