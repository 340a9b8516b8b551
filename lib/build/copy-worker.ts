// Entry point run by tspod-userns, as root of the user namespace: COPY --from=STAGE|IMAGE reads the
// image's layer directories here, where files only the namespace's root may read (mode 0600 or
// 0000, owned by a subordinate id) are readable and owners read as the container sees them.
//   node copy-worker.js JOB.json
// JOB: { imageDirs, srcs, what, extra, dest, opts, destDirs, out }; writes the layer tar to OUT and
// "file" or "dir" (what the first source is) to OUT.kind. A refusal: its message on stderr, exit 1.
import { closeSync, lstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { imageSources, layerLookup, writeCopyLayer, type CopyOptions, type Source } from './context.js';

export interface CopyJob {
  imageDirs: string[];
  srcs: string[];
  what: string;
  /** sources outside the image (here-documents), written after the image's */
  extra: Source[];
  dest: string;
  opts: CopyOptions;
  /** the layer directories of the image the step builds on (top first) */
  destDirs: string[];
  out: string;
}

try {
  const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CopyJob;
  const sources = [...imageSources(job.imageDirs, job.srcs, job.what), ...job.extra];
  const fd = openSync(job.out, 'w', 0o600);
  try {
    writeCopyLayer(fd, sources, job.dest, job.opts, layerLookup(job.destDirs));
  } finally {
    closeSync(fd);
  }
  const kind = sources.length === 1 && !lstatSync(sources[0]!.hosts[0]!).isDirectory() ? 'file' : 'dir';
  writeFileSync(`${job.out}.kind`, kind);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
