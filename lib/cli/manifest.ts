// `tspod manifest create|add|annotate|remove|inspect|exists|rm|push`: manifest lists.
import { TspodError } from '../util/errors.js';
import { type Args, positionals, registryOptions, toArray } from './args.js';

function overrides(a: Args) {
  return {
    annotation: toArray(a.annotation), arch: a.arch as string | undefined, os: a.os as string | undefined,
    variant: a.variant as string | undefined, osVersion: a['os-version'] as string | undefined,
    features: toArray(a.features), osFeatures: toArray(a['os-features']),
  };
}

export async function handler(a: Args): Promise<number | void> {
  const m = await import('../engine/manifests.js');
  const sub = a.command.slice('manifest '.length);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  switch (sub) {
    case 'create': {
      const [name, ...images] = positionals(a, a.command, 1);
      out(await m.manifestCreate(name!, images, { ...registryOptions(a), all: Boolean(a.all), amend: Boolean(a.amend) }));
      return;
    }
    case 'add': {
      const [list, ...images] = positionals(a, a.command, 2);
      out(await m.manifestAdd(list!, images, { ...registryOptions(a), ...overrides(a), all: Boolean(a.all) }));
      return;
    }
    case 'annotate': {
      const [list, image] = positionals(a, a.command, 2, 2);
      out(await m.manifestAnnotate(list!, image!, overrides(a)));
      return;
    }
    case 'remove': {
      const [list, image] = positionals(a, a.command, 2, 2);
      out(await m.manifestRemove(list!, image!));
      return;
    }
    case 'exists': {
      const [ref] = positionals(a, a.command, 1, 1);
      return m.manifestExists(ref!) ? 0 : 1;
    }
    case 'inspect': {
      const [ref] = positionals(a, a.command, 1, 1);
      out(JSON.stringify(await m.manifestInspect(ref!, registryOptions(a)), null, 4));
      return;
    }
    case 'rm': {
      const refs = positionals(a, a.command, 1);
      let code = 0;
      let last: TspodError | undefined;
      for (const r of await m.manifestRm(refs)) {
        if ('lines' in r) r.lines.forEach(out);
        else {
          if (last) process.stderr.write(`Error: ${last.message}\n`);
          last = r.error;
          code = r.error.exitCode;
        }
      }
      if (last) throw new TspodError(last.message, code);
      return;
    }
    case 'push': {
      const [list, dest] = positionals(a, a.command, 2, 2);
      const quiet = Boolean(a.quiet);
      const digest = await m.manifestPush(list!, dest!, {
        ...registryOptions(a), all: a.all as boolean, format: a.format as string | undefined, rm: Boolean(a.rm), quiet,
        compressionFormat: a['compression-format'] as string | undefined, signBy: a['sign-by'] as string | undefined,
        signBySigstoreKey: a['sign-by-sigstore-private-key'] as string | undefined,
        progress: quiet ? undefined : (l) => process.stderr.write(`${l}\n`),
      });
      if (a.digestfile) {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(String(a.digestfile), digest);
      }
      return;
    }
  }
  throw new TspodError(`unrecognized command \`tspod ${a.command}\``);
}
