// `tspod build` / `tspod image build`: flags to options, podman's output (the
// engine's step lines on stdout, the image id last; -q: the id alone).
import { writeFileSync } from 'node:fs';
import { positionals, toArray, type Args } from './args.js';

export const handler = async (a: Args): Promise<number | void> => {
  const [context = '.'] = positionals(a, 'build', 0, 1, 'context directory');
  const files = toArray(a.file);
  const { TspodError } = await import('../util/errors.js');
  if (files.length > 1) throw new TspodError('tspod build takes one -f/--file yet: concatenating several Containerfiles is not supported');
  if (files[0] === '-') throw new TspodError('tspod build -f - (a Containerfile from stdin) is not supported yet: write it to a file in the context');
  const { build } = await import('../engine/build.js');
  const img = await build({
    context, file: files[0], tags: toArray(a.tag), buildArgs: toArray(a['build-arg']), labels: toArray(a.label),
    noCache: Boolean(a['no-cache']) || a.layers === false, quiet: Boolean(a.quiet), target: a.target as string | undefined,
    network: String(a.network ?? 'slirp4netns'),
  }, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
  if (a.iidfile) writeFileSync(String(a.iidfile), img.id);
  process.stdout.write(`${img.id.slice(7)}\n`);
};
