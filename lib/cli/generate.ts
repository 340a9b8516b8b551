// `tspod generate systemd [options] CONTAINER` and `tspod generate kube CONTAINER|POD`
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';
import { positionals, toArray } from './main.js';

export function builder(y: Argv): Argv {
  return y
    .usage('Usage: tspod generate systemd [options] CONTAINER\n       tspod generate kube [-f FILE] CONTAINER|POD')
    .option('new', { type: 'boolean', default: false, describe: 'Create the container when the unit starts and remove it when it stops' })
    .option('name', { alias: 'n', type: 'boolean', default: false, describe: 'Use the container\'s name instead of its ID in the unit' })
    .option('files', { alias: 'f', type: 'boolean', default: false, describe: 'systemd: write unit files to the current directory and print their paths' })
    .option('filename', { type: 'string', describe: 'kube: write the YAML to this file' })
    .option('restart-policy', { type: 'string', default: 'on-failure', describe: 'systemd restart policy (no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always)' })
    .option('restart-sec', { type: 'number', describe: 'Seconds systemd waits before a restart' })
    .option('time', { alias: 't', type: 'number', default: 10, describe: 'Stop timeout in seconds' })
    .option('stop-timeout', { type: 'number', describe: 'Same as --time' })
    .option('container-prefix', { type: 'string', default: 'container', describe: 'Prefix of container unit names' })
    .option('pod-prefix', { type: 'string', default: 'pod', describe: 'Prefix of pod unit names' })
    .option('separator', { type: 'string', default: '-', describe: 'Between the prefix and the name or ID' })
    .option('wants', { type: 'string', describe: 'Add Wants= dependencies' })
    .option('after', { type: 'string', describe: 'Add After= dependencies' })
    .option('requires', { type: 'string', describe: 'Add Requires= dependencies' })
    .option('env', { alias: 'e', type: 'string', describe: 'Set environment variables in the unit (KEY=VALUE)' })
    .option('no-header', { type: 'boolean', default: false, describe: 'Leave out the comment header' })
    .option('format', { type: 'string', describe: 'json: a map of unit name to unit text' });
}

export async function handler(a: Record<string, unknown>): Promise<void> {
  const [what, ref, extra] = positionals(a, 'generate', 2, 2, 'argument');
  if (what === 'kube') {
    const { generateKube } = await import('../engine/kube.js');
    const yaml = generateKube(ref!);
    if (a.filename) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(String(a.filename), yaml);
    } else {
      process.stdout.write(yaml);
    }
    return;
  }
  if (what !== 'systemd') throw new TspodError(`unknown subcommand "tspod generate ${what}" (systemd, kube)${extra ? '' : ''}`);
  const { generateSystemd } = await import('../engine/systemd.js');
  const units = generateSystemd(ref!, {
    new: Boolean(a.new), useName: Boolean(a.name), restartPolicy: String(a['restart-policy']),
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
