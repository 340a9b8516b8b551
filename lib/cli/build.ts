// `tspod build` / `tspod image build`: flags to options, podman's output (the
// engine's step lines on stdout, the image id last; -q: the id alone).
import { dirname, resolve } from 'node:path';
import { TspodError } from '../util/errors.js';
import { positionals, registryOptions, toArray, type Args } from './args.js';

export const handler = async (a: Args): Promise<number | void> => {
  // No CONTEXT: the directory of the first -f file that is not a URL (`-`: the working directory), as podman's
  const first = toArray(a.file).find((f) => !/^https?:\/\//.test(f));
  const [context = first !== undefined ? dirname(resolve(first)) : undefined] = positionals(a, 'build', 0, 1, 'context directory');
  if (context === undefined) throw new TspodError('no context directory and no Containerfile specified: give the context directory (`tspod build .`) or a Containerfile with -f');
  const str = (k: string) => a[k] as string | undefined;
  // BUILDAH_LAYERS, BUILDAH_FORMAT, BUILDAH_ISOLATION: the defaults when the flag is not given, as podman's
  const envBool = (v: string | undefined) => (v === undefined || v === '' ? undefined : !['0', 'false', 'f', 'F', 'FALSE', 'False'].includes(v));
  const layers = (a.layers as boolean | undefined) ?? envBool(process.env.BUILDAH_LAYERS) ?? true;
  const { build } = await import('../engine/build.js');
  const img = await build({
    context, files: toArray(a.file), tags: toArray(a.tag), buildArgs: toArray(a['build-arg']), buildArgFiles: toArray(a['build-arg-file']),
    labels: toArray(a.label), annotations: toArray(a.annotation), env: toArray(a.env), unsetenv: toArray(a.unsetenv),
    noCache: Boolean(a['no-cache']) || !layers, layers, quiet: Boolean(a.quiet), target: str('target'),
    network: str('network'), iidfile: str('iidfile'), ignorefile: str('ignorefile'), stdin: Boolean(a.stdin),
    pull: a['pull-never'] ? 'never' : a['pull-always'] ? 'always' : str('pull'), squash: Boolean(a.squash), squashAll: Boolean(a['squash-all']), format: str('format') ?? (process.env.BUILDAH_FORMAT || 'oci'),
    from: str('from'), rm: a.rm !== false, forceRm: a['force-rm'] !== false,
    timestamp: a.timestamp as number | undefined, platforms: toArray(a.platform), arch: str('arch'), os: str('os'), variant: str('variant'),
    allPlatforms: Boolean(a['all-platforms']),
    capAdd: toArray(a['cap-add']), capDrop: toArray(a['cap-drop']), securityOpt: toArray(a['security-opt']), volumes: toArray(a.volume),
    noHosts: Boolean(a['no-hosts']), addHost: toArray(a['add-host']), dns: toArray(a.dns), dnsSearch: toArray(a['dns-search']), dnsOption: toArray(a['dns-option']),
    secrets: toArray(a.secret), jobs: a.jobs as number | undefined, omitHistory: Boolean(a['omit-history']), identityLabel: a['identity-label'] !== false,
    skipUnusedStages: a['skip-unused-stages'] !== false, logfile: str('logfile'), logsplit: Boolean(a.logsplit),
    retry: a.retry as number | undefined, retryDelay: str('retry-delay'), registry: registryOptions(a), certDir: str('cert-dir'),
    shmSize: str('shm-size'), ulimit: toArray(a.ulimit),
    namespaces: { userns: str('userns'), ipc: str('ipc'), pid: str('pid'), uts: str('uts'), cgroupns: str('cgroupns'),
      'userns-uid-map': str('userns-uid-map'), 'userns-gid-map': str('userns-gid-map'), 'userns-uid-map-user': str('userns-uid-map-user'), 'userns-gid-map-group': str('userns-gid-map-group') },
    resources: { memory: str('memory'), memorySwap: str('memory-swap'), cpuShares: a['cpu-shares'] as number | undefined, cpuPeriod: a['cpu-period'] as number | undefined,
      cpuQuota: a['cpu-quota'] as number | undefined, cpusetCpus: str('cpuset-cpus'), cpusetMems: str('cpuset-mems') },
    manifest: str('manifest'), output: str('output'), httpProxy: a['http-proxy'] !== false, buildContexts: toArray(a['build-context']),
    cacheFrom: str('cache-from'), cacheTo: str('cache-to'), cacheTtl: str('cache-ttl'), isolation: str('isolation') ?? (process.env.BUILDAH_ISOLATION || undefined),
    refused: {
      'cgroup-parent': str('cgroup-parent'), 'decryption-key': toArray(a['decryption-key'])[0],
      device: toArray(a.device)[0], 'sign-by': str('sign-by'), ssh: toArray(a.ssh)[0],
    },
    osFeatures: toArray(a['os-feature']), osVersion: str('os-version'),
  }, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
  if (img) process.stdout.write(`${img.id.slice(7)}\n`);
};
