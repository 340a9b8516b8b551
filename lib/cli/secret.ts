// `tspod secret create|ls|inspect|rm`
import { readFileSync } from 'node:fs';
import { TspodError } from '../util/errors.js';
import { type Args, toArray, keyValues } from './args.js';
import { renderList } from './format.js';
import { ago } from '../util/human.js';

/** Go's time.Time String(): 2026-11-29 12:22:54.621656321 +0000 UTC */
function goTime(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]}${(m[3] ?? '').replace(/0+$/, '').replace(/\.$/, '')} +0000 UTC` : iso;
}

export async function handler(a: Args): Promise<number | void> {
  const sub = a.command.split(' ')[1]!;
  const s = await import('../engine/secrets.js');
  switch (sub) {
    case 'create': {
      if (a.operands.length !== 2) throw new TspodError(`accepts 2 arg(s), received ${a.operands.length}`);
      const [name, source] = a.operands as [string, string];
      if (toArray(a['driver-opts']).length) throw new TspodError('--driver-opts: the file driver takes no options in tspod (it keeps secrets in the store, mode 0600)');
      const id = await s.secretCreate({
        name, source, driver: a.driver as string | undefined, labels: keyValues(toArray(a.label)), fromEnv: Boolean(a.env),
        readStdin: () => readFileSync(0),
      });
      process.stdout.write(`${id}\n`);
      return 0;
    }
    case 'ls': {
      const rows = s.secretList(toArray(a.filter));
      let format = a.format as string | undefined;
      if (a.quiet) {
        process.stdout.write(rows.map((r) => `${r.ID}\n`).join(''));
        return 0;
      }
      const shown = rows.map((r) => ({ ...r, CreatedAt: ago(r.Created), UpdatedAt: ago(r.Updated) }));
      if (!format) format = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}';
      else if (format === 'json') {
        // podman 4.3 prints the word: its ls has no JSON output
        process.stdout.write('json\n');
        return 0;
      }
      if (a.noheading) format = format.replace(/^table\s*/, '');
      process.stdout.write(renderList(shown, format, { verb: 'secret ls', headers: { CreatedAt: 'CREATED', UpdatedAt: 'UPDATED' } }));
      return 0;
    }
    case 'inspect': {
      if (!a.operands.length) throw new TspodError('requires at least 1 arg(s), only received 0');
      const { reports, errors } = s.secretInspect(a.operands);
      const format = a.format as string | undefined;
      if (a.pretty && !format) {
        process.stdout.write(reports.map((r) => [
          `ID:              ${r.ID}`, `Name:              ${r.Spec.Name}`,
          ...(Object.keys(r.Spec.Labels).length ? ['Labels:', ...Object.entries(r.Spec.Labels).map(([k, v]) => ` - ${k}=${v}`)] : []),
          `Driver:            ${r.Spec.Driver.Name}`, `Created at:        ${goTime(r.CreatedAt)}`, `Updated at:        ${goTime(r.UpdatedAt)}`,
        ].join('\n') + '\n').join('\n'));
      } else if (!format || format === 'json') {
        process.stdout.write(JSON.stringify(reports, null, 4) + '\n');
      } else {
        process.stdout.write(renderList(reports, format, { verb: 'secret inspect' }));
      }
      for (const e of errors.slice(0, -1)) process.stderr.write(`Error: ${e}\n`);
      if (errors.length) throw new TspodError(errors[errors.length - 1]!);
      return 0;
    }
    case 'rm': {
      if ((a.all && a.operands.length) || (!a.all && !a.operands.length)) throw new TspodError('`tspod secret rm` requires one argument, or the --all flag');
      const reports = await s.secretRemove(a.operands, Boolean(a.all));
      for (const r of reports.filter((x) => x.id)) process.stdout.write(`${r.id}\n`);
      const errors = reports.filter((x) => x.error).map((x) => x.error!);
      for (const e of errors.slice(0, -1)) process.stderr.write(`Error: ${e}\n`);
      if (errors.length) throw new TspodError(errors[errors.length - 1]!);
      return 0;
    }
  }
  throw new TspodError(`unrecognized command \`tspod secret ${sub}\``);
}


/** `tspod healthcheck run CONTAINER`: podman prints "unhealthy" and exits 1 on failure, nothing on success. */
export async function healthcheck(a: Args): Promise<number> {
  if (a.operands.length !== 1) throw new TspodError(`accepts 1 arg(s), received ${a.operands.length}`);
  const { healthcheckRun } = await import('../engine/health.js');
  const r = await healthcheckRun(a.operands[0]!);
  if (r === 'healthy') return 0;
  process.stdout.write('unhealthy\n');
  return 1;
}
