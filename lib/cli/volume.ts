// `tspod volume create|ls|inspect|rm|prune|exists|export|import|mount|unmount`
import { closeSync, openSync } from 'node:fs';
import { TspodError } from '../util/errors.js';
import { type Args, positionals, toArray, keyValues } from './args.js';
import { printList, renderList, printRemovals } from './format.js';

/** One line from stdin ('' at its end). */
function readLine(): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      process.stdin.off('data', onData).off('end', done).off('error', done);
      process.stdin.pause();
      resolve(text.split('\n')[0]!);
    };
    const onData = (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) done();
    };
    process.stdin.on('data', onData).on('end', done).on('error', done);
  });
}

export async function handler(a: Args): Promise<number | void> {
  const sub = a.command.split(' ')[1]!;
  const v = await import('../engine/volumes.js');
  switch (sub) {
    case 'create': {
      const [name] = a.operands;
      process.stdout.write(`${await v.volumeCreate({ name, driver: a.driver as string, labels: keyValues(toArray(a.label)), options: keyValues(toArray(a.opt)), ignore: Boolean(a.ignore) })}\n`);
      return 0;
    }
    case 'ls': {
      const rows = v.volumeList(toArray(a.filter));
      const format = a.format as string | undefined;
      if (a.noheading && !format) {
        process.stdout.write(rows.map((r) => `${r.Driver}\t${r.Name}\n`).join(''));
        return 0;
      }
      printList(rows, format, { header: ['DRIVER', 'VOLUME NAME'], row: (r) => [r.Driver, r.Name] }, a.quiet ? (r) => r.Name : undefined, undefined, { verb: 'volume ls' });
      return 0;
    }
    case 'inspect': {
      if (!a.all && !a.operands.length) throw new TspodError('tspod volume inspect needs a volume name, or --all');
      const { reports, errors } = v.volumeInspect(a.operands, Boolean(a.all));
      const format = a.format as string | undefined;
      if (!format || format === 'json') process.stdout.write(JSON.stringify(reports, null, 4) + '\n');
      else process.stdout.write(renderList(reports, format, { verb: 'volume inspect' }));
      for (const e of errors.slice(0, -1)) process.stderr.write(`Error: ${e}\n`);
      if (errors.length) throw new TspodError(errors[errors.length - 1]!);
      return 0;
    }
    case 'rm': {
      if (a.all && a.operands.length) throw new TspodError('choose either one or more volumes or all');
      if (!a.all && !a.operands.length) throw new TspodError('tspod volume rm needs at least one volume name, or --all');
      const reports = await v.volumeRemove(a.operands, { force: Boolean(a.force), all: Boolean(a.all) });
      // With --force a missing volume is no error (podman prints nothing for it).
      return printRemovals(reports.filter((r) => !(a.force && r.exitCode === 1)));
    }
    case 'prune': {
      const filters = toArray(a.filter);
      let only: string[] | undefined;
      if (!a.force) {
        // podman's prompt: the volumes that would go, then one answer line from stdin (y removes them).
        only = v.volumePruneList(filters);
        process.stdout.write('WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n');
        if (!only.length) {
          process.stdout.write('No dangling volumes found\n');
          return 0;
        }
        process.stdout.write(`${only.join('\n')}\nAre you sure you want to continue? [y/N] `);
        if (!/^y(es)?$/i.test((await readLine()).trim())) return 0;
      }
      process.stdout.write((await v.volumePrune(filters, undefined, only)).map((n) => `${n}\n`).join(''));
      return 0;
    }
    case 'exists': {
      const [name] = positionals(a, 'volume exists', 1, 1, 'volume name');
      return v.volumeExists(name!) ? 0 : 1;
    }
    case 'export': {
      const [name] = positionals(a, 'volume export', 1, 1, 'volume name');
      const out = a.output as string | undefined;
      if (!out && process.stdout.isTTY) throw new TspodError('refusing to export to terminal. Use -o flag or redirect');
      const fd = out ? openSync(out, 'w', 0o600) : 1;
      try {
        await v.volumeExport(name!, fd);
      } finally {
        if (out) closeSync(fd);
      }
      return 0;
    }
    case 'import': {
      const [name, source = '-'] = positionals(a, 'volume import', 1, 2, 'argument');
      if (source === '-' && process.stdin.isTTY) throw new TspodError('tspod volume import needs a tar archive as SOURCE, or on stdin (not a terminal)');
      await v.volumeImport(name!, source === '-' ? process.stdin : source);
      return 0;
    }
    case 'mount': {
      const [name] = positionals(a, 'volume mount', 1, 1, 'volume name');
      process.stdout.write(`${v.volumeMount(name!)}\n`);
      return 0;
    }
    default: {
      const [name] = positionals(a, 'volume unmount', 1, 1, 'volume name');
      if (!v.volumeExists(name!)) throw new TspodError(`no volume with name "${name}" found: no such volume`);
      process.stdout.write(`${name}\n`);
      return 0;
    }
  }
}
