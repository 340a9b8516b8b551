// `tspod play kube` / `tspod kube play [--down] FILE|-` and its flags.
import { type Args, positionals, registryOptions, toArray } from './args.js';
import { pullProgress } from './progress.js';

export async function handler(a: Args): Promise<void> {
  const [file] = positionals(a, 'play kube', 1, 1, 'file');
  const { playKube } = await import('../engine/kube.js');
  const quiet = Boolean(a.quiet);
  const given = (name: string) => (a.commandLine as { options?: string[] } | undefined)?.options?.some((t) => t === `--${name}` || t.startsWith(`--${name}=`));
  const results = await playKube(file!, Boolean(a.down), {
    annotation: toArray(a.annotation), pullOptions: { ...registryOptions(a), events: pullProgress(quiet) },
    build: given('build') ? Boolean(a.build) : undefined, contextDir: a['context-dir'] as string | undefined,
    configmaps: toArray(a.configmap), ip: toArray(a.ip), mac: toArray(a['mac-address']),
    logDriver: a['log-driver'] as string | undefined, logOpt: toArray(a['log-opt']), network: toArray(a.network),
    noHosts: Boolean(a['no-hosts']), replace: Boolean(a.replace), start: a.start !== false, userns: a.userns as string | undefined,
    report: quiet ? undefined : (l) => process.stderr.write(`${l}\n`),
  });
  if (a.down) {
    process.stdout.write(results.length ? `Pods stopped and removed:\n${results.map((r) => r.pod).join('\n')}\n` : '');
    return;
  }
  for (const r of results) process.stdout.write(`Pod:\n${r.pod}\nContainers:\n${r.containers.join('\n')}\n\n`);
}
