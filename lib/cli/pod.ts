// `tspod pod create|start|stop|restart|kill|rm|ps|inspect|exists|top|logs|prune`
import { TspodError } from '../util/errors.js';
import { ago, columns, byteCompare } from '../util/human.js';
import { type Args, toArray } from './args.js';
import type { PodCreateOptions } from '../engine/pods.js';

export async function handler(a: Args): Promise<number | void> {
  const sub = a.command.split(' ')[1]!;
  const named = a.operands;
  const pods = await import('../engine/pods.js');
  let refs = sub === 'create' ? named : pods.podRefs(named, toArray(a['pod-id-file']), Boolean(a.ignore));
  // --all / --latest on the pod verbs (podman's: every pod, the last created).
  if (sub !== 'create' && sub !== 'ps' && (a.all || a.latest)) {
    if (refs.length) throw new TspodError(a.all ? 'when using the --all switch, you may not pass any pod names or IDs' : '--latest and pods cannot be used together');
    const reps = pods.podReports().sort((x, y) => byteCompare(y.pod.created, x.pod.created));
    refs = (a.latest ? reps.slice(0, 1) : reps).map((r) => r.pod.id);
    if (!refs.length && a.latest) throw new TspodError('no pods to act on: no such pod');
  }
  const eachPod = async (fn: (r: string) => Promise<string>) => {
    if (!refs.length && (a.all || a.latest)) return 0;
    if (!refs.length && !a.ignore) throw new TspodError(`tspod pod ${sub} needs at least one pod name or ID (or --pod-id-file)`);
    let code = 0;
    for (const r of refs) {
      try {
        process.stdout.write(`${await fn(r)}\n`);
      } catch (err) {
        const missing = /no such pod/.test((err as Error).message);
        // pod rm: a missing pod is exit 1, and no error at all with --force (as podman)
        if ((a.ignore || (sub === 'rm' && a.force)) && missing) continue;
        process.stderr.write(`Error: ${(err as Error).message}\n`);
        code = sub === 'rm' && missing && code !== 125 ? 1 : 125;
      }
    }
    return code;
  };
  switch (sub) {
    case 'create': {
      const pod = await pods.podCreate({ ...(await podCreateOptions(a)), name: (a.name as string | undefined) ?? refs[0], createCommand: a.commandLine as PodCreateOptions['createCommand'] });
      process.stdout.write(`${pod.id}\n`);
      return 0;
    }
    case 'start': return eachPod(pods.podStart);
    case 'restart': return eachPod(pods.podRestart);
    case 'kill': return eachPod((r) => pods.podKill(r, String(a.signal)));
    case 'prune': {
      if (!a.force && !process.stdin.isTTY) throw new TspodError('tspod pod prune removes every pod with no running container: add --force to confirm');
      process.stdout.write((await pods.podPrune()).map((id) => `${id}\n`).join(''));
      return 0;
    }
    case 'top': {
      if (!refs.length) throw new TspodError('you must provide the name or id of a running pod');
      if (refs.length !== 1) throw new TspodError('tspod pod top takes one pod');
      const { containerTop } = await import('../engine/containers.js');
      const keys = ['USER', 'PID', 'PPID', '%CPU', 'ELAPSED', 'TTY', 'TIME', 'COMMAND'] as const;
      const rows = pods.podContainers(refs[0]!, false).flatMap((c) => containerTop(c.id).map((r) => [...keys.map((k) => r[k]), c.name]));
      process.stdout.write(columns([[...keys, 'NAME'], ...rows]));
      return 0;
    }
    case 'logs': {
      if (!refs.length) throw new TspodError('specify at least one pod name or ID to log');
      if (refs.length !== 1) throw new TspodError('tspod pod logs takes one pod');
      const { containerLogs } = await import('../engine/containers.js');
      let members = pods.podContainers(refs[0]!, true);
      if (a.container !== undefined) {
        const want = String(a.container);
        members = members.filter((c) => c.name === want || c.id.startsWith(want));
        if (!members.length) throw new TspodError(`container ${want} is not in pod ${refs[0]}: no such container`);
      }
      // Each container's lines, prefixed with its short id (its name with --names) as podman's pod logs do.
      const colors = ['\x1b[32m', '\x1b[33m', '\x1b[34m', '\x1b[35m', '\x1b[36m', '\x1b[31m'];
      const opts = { follow: Boolean(a.follow), tail: a.tail as number | undefined, since: a.since as string | undefined, until: a.until as string | undefined, timestamps: Boolean(a.timestamps) };
      const run = (c: { id: string; name: string }, i: number) => {
        const label = a.names ? c.name : c.id.slice(0, 12);
        const prefix = a.color ? `${colors[i % colors.length]}${label}\x1b[0m ` : `${label} `;
        return containerLogs(c.id, opts, (e, text) => (e.stream === 'stdout' ? process.stdout : process.stderr).write(prefix + text));
      };
      if (a.follow) await Promise.all(members.map(run));
      else for (const [i, c] of members.entries()) await run(c, i);
      return 0;
    }
    case 'stop': return eachPod((r) => pods.podStop(r, a.time as number | undefined));
    case 'rm': return eachPod((r) => pods.podRemove(r, Boolean(a.force), a.time as number | undefined));
    case 'exists': {
      try {
        pods.podReport(refs[0] ?? '');
        return 0;
      } catch {
        return 1;
      }
    }
    case 'inspect': {
      if (!refs.length) throw new TspodError('tspod pod inspect needs a pod name or ID');
      const out = refs.map((r) => {
        let rep;
        try {
          rep = pods.podReport(r);
        } catch (err) {
          if (/no such pod/.test((err as Error).message)) throw new TspodError(`inspecting object: no such pod ${r}`);
          throw err;
        }
        // podman's field names (its InfraConfig: tspod's infra has slirp4netns, never the host's network)
        return {
          Id: rep.pod.id, Name: rep.pod.name, Created: rep.pod.created, ExitPolicy: rep.pod.exitPolicy ?? 'continue', State: rep.status,
          Hostname: rep.pod.hostname, Labels: rep.pod.labels, CreateCgroup: false, CgroupParent: '',
          CreateInfra: !!rep.pod.infraId, InfraContainerID: rep.pod.infraId,
          ...(rep.pod.infraId ? { InfraConfig: {
            PortBindings: Object.fromEntries((rep.infra?.config.ports ?? []).map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: p.hostIp ?? '', HostPort: String(p.hostPort) }]])),
            HostNetwork: rep.infra?.config.network === 'host', StaticIP: '', StaticMAC: '', NoManageResolvConf: false, DNSServer: null, DNSSearch: null, DNSOption: null,
            NoManageHosts: false, HostAdd: null, Networks: null, NetworkOptions: null,
            pid_ns: 'private', userns: 'host', uts_ns: 'private',
          } } : {}),
          SharedNamespaces: rep.pod.share, NumContainers: rep.members.length + (rep.infra ? 1 : 0),
          NumberOfContainers: rep.members.length + (rep.infra ? 1 : 0),
          Containers: [...(rep.infra ? [rep.infra] : []), ...rep.members].map((c) => ({ Id: c.id, Name: c.name, State: c.state.status })),
        };
      });
      const format = a.format as string | undefined;
      if (format && format !== 'json') {
        const { renderList } = await import('./format.js');
        // podman's Go fields are ID (the JSON says Id), for the pod and each of its containers
        const withIds = out.map((o) => ({ ...o, ID: o.Id, Containers: o.Containers.map((c) => ({ ...c, ID: c.Id })) }));
        process.stdout.write(renderList(withIds, format, { verb: 'pod inspect' }));
      } else {
        process.stdout.write(JSON.stringify(out.length === 1 ? out[0] : out, null, 4) + '\n');
      }
      return 0;
    }
    case 'pause':
    case 'unpause':
      for (const r of refs) pods.podReport(r);
      throw new TspodError(`can not ${sub} pods containing rootless containers with cgroup V1: this container does not have a cgroup`);
    case 'stats': {
      const { statsUnsupported } = await import('../engine/containers.js');
      statsUnsupported('pod stats');
      return 125;
    }
    case 'ps':
    case 'ls':
    case 'list': {
      const sort = String(a.sort ?? 'created');
      const keys = ['created', 'id', 'name', 'number', 'status'];
      if (!keys.includes(sort)) throw new TspodError(`invalid option for --sort, options are: ${keys.join(', ')}`);
      const pf = toArray(a.filter).map((f) => {
        const [k = '', v = ''] = f.split(/=(.*)/s);
        type Rep = ReturnType<typeof pods.podReports>[number];
        const fns: Record<string, (r: Rep) => boolean> = {
          name: (r) => new RegExp(v).test(r.pod.name), id: (r) => r.pod.id.startsWith(v), status: (r) => r.status.toLowerCase() === v.toLowerCase(),
          label: (r) => { const [lk = '', lv] = v.split(/=(.*)/s); return r.pod.labels?.[lk] !== undefined && (lv === undefined || r.pod.labels[lk] === lv); },
          ctr_names: (r) => r.members.some((c) => c.name === v), ctr_ids: (r) => r.members.some((c) => c.id.startsWith(v)),
          ctr_number: (r) => r.members.length === Number(v), ctr_status: (r) => r.members.some((c) => c.state.status === v),
        };
        const fn = fns[k];
        if (!fn) throw new TspodError(`${k} is an invalid filter`);
        return { k, fn };
      });
      let reps = pods.podReports().filter((r) => [...new Set(pf.map((f) => f.k))].every((k) => pf.filter((f) => f.k === k).some((f) => f.fn(r))));
      const cmp: Record<string, (x: (typeof reps)[number], y: (typeof reps)[number]) => number> = {
        created: (x, y) => byteCompare(y.pod.created, x.pod.created), id: (x, y) => byteCompare(x.pod.id, y.pod.id),
        name: (x, y) => byteCompare(x.pod.name, y.pod.name), number: (x, y) => x.members.length - y.members.length, status: (x, y) => byteCompare(x.status, y.status),
      };
      reps.sort(cmp[sort]);
      if (a.latest) reps = [...reps].sort(cmp.created).slice(0, 1);
      if (a.quiet) {
        process.stdout.write(reps.map((r) => `${r.pod.id.slice(0, 12)}\n`).join(''));
      } else if (a.format === 'json') {
        process.stdout.write(JSON.stringify(reps.map((r) => ({
          Id: r.pod.id, Name: r.pod.name, Status: r.status, Created: r.pod.created, InfraId: r.pod.infraId, Labels: r.pod.labels,
          NumberOfContainers: r.members.length + (r.infra ? 1 : 0),
          Containers: [...(r.infra ? [r.infra] : []), ...r.members].map((c) => ({ Id: c.id, Names: c.name, Status: c.state.status })),
        })), null, 4) + '\n');
      } else if (a.format !== undefined && a.format !== '') {
        // podman's ListPodReporter: the short ids and "ago" of the table, the lists comma-joined
        const t = (id: string) => (a['no-trunc'] ? id : id.slice(0, 12));
        const { renderList } = await import('./format.js');
        process.stdout.write(renderList(reps.map((r) => {
          const cs = [...(r.infra ? [r.infra] : []), ...r.members];
          return {
            ID: t(r.pod.id), Id: r.pod.id, Name: r.pod.name, Status: r.status, Created: ago(r.pod.created), InfraID: t(r.pod.infraId), InfraId: r.pod.infraId,
            Labels: r.pod.labels ?? {}, NumberOfContainers: cs.length, ContainerIds: cs.map((c) => t(c.id)).join(','), ContainerNames: cs.map((c) => c.name).join(','),
            ContainerStatuses: cs.map((c) => c.state.status).join(','), Cgroup: '', Namespace: '', Networks: [],
          };
        }), String(a.format), { verb: 'pod ps' }));
      } else {
        const t = (id: string) => (a['no-trunc'] ? id : id.slice(0, 12));
        const ctrs = (r: (typeof reps)[number]) => [...(r.infra ? [r.infra] : []), ...r.members];
        const header = ['POD ID', 'NAME', 'STATUS', 'CREATED', 'INFRA ID', ...(a['ctr-ids'] ? ['IDS'] : []), ...(a['ctr-names'] ? ['NAMES'] : []), ...(a['ctr-status'] ? ['STATUS'] : []), ...(a.ns ? ['CGROUP', 'NAMESPACES'] : []), ...(a['ctr-ids'] || a['ctr-names'] || a['ctr-status'] ? [] : ['# OF CONTAINERS'])];
        const rows = reps.map((r) => [t(r.pod.id), r.pod.name, r.status, ago(r.pod.created), t(r.pod.infraId),
          ...(a['ctr-ids'] ? [ctrs(r).map((c) => t(c.id)).join(',')] : []), ...(a['ctr-names'] ? [ctrs(r).map((c) => c.name).join(',')] : []),
          ...(a['ctr-status'] ? [ctrs(r).map((c) => c.state.status).join(',')] : []),
          // --ns: tspod gives pods no cgroup parent; NAMESPACES are those the pod's members share.
          ...(a.ns ? ['', r.pod.share.join(',')] : []),
          ...(a['ctr-ids'] || a['ctr-names'] || a['ctr-status'] ? [] : [String(r.members.length + (r.infra ? 1 : 0))])]);
        const lines = a.noheading ? rows : [header, ...rows];
        if (lines.length) process.stdout.write(columns(lines));
      }
      return 0;
    }
    default:
      throw new TspodError(`unknown subcommand "tspod pod ${sub}" (create, start, stop, restart, kill, rm, ps, inspect, exists, top, logs, prune)`);
  }
}

/** pod create's flags as the engine's options (pod clone reads an original's create command through it too). */
export async function podCreateOptions(a: Args): Promise<PodCreateOptions> {
  if (a['infra-image'] && a.infra === false) process.stderr.write(`tspod pod create: --infra-image ${String(a['infra-image'])} is ignored: the pod has no infra container (--infra=false)\n`);
  // --infra-command without --infra-image: tspod's own infra (tspod-init -P) has no entrypoint to replace
  if (a['infra-command'] && !a['infra-image']) process.stderr.write(`tspod pod create: --infra-command ${String(a['infra-command'])} is ignored without --infra-image: tspod's own infra is tspod-init -P, which holds the pod's namespaces and runs nothing else\n`);
  const share = toArray(a.share).at(-1);
  const { parseLabels } = await import('../engine/run.js');
  const { usernsFlags } = await import('./run.js');
  return {
    podIdFile: a['pod-id-file'] as string | undefined, infraPidFile: a['infra-conmon-pidfile'] as string | undefined,
    exitPolicy: a['exit-policy'] as string | undefined, replace: Boolean(a.replace), infra: a.infra as boolean | undefined,
    hostname: a.hostname as string | undefined, publish: toArray(a.publish),
    labels: parseLabels(toArray(a.label)), storageOpts: toArray(a['storage-opt']), share,
    network: a.network as string | undefined, networkAliases: toArray(a['network-alias']), ip: a.ip as string | undefined,
    ip6: a.ip6 as string | undefined, macAddress: a['mac-address'] as string | undefined,
    labelFiles: toArray(a['label-file']), infraName: a['infra-name'] as string | undefined,
    infraImage: a['infra-image'] as string | undefined, infraCommand: a['infra-command'] as string | undefined,
    cgroupParent: a['cgroup-parent'] as string | undefined,
    memberDefaults: {
      addHost: toArray(a['add-host']), dns: toArray(a.dns), dnsSearch: toArray(a['dns-search']), dnsOption: toArray(a['dns-option']),
      noHosts: Boolean(a['no-hosts']), devices: toArray(a.device), volumes: toArray(a.volume), volumesFrom: toArray(a['volumes-from']),
      securityOpt: toArray(a['security-opt']), sysctl: toArray(a.sysctl), shmSize: a['shm-size'] === '65536k' ? undefined : a['shm-size'] as string | undefined,
      pid: a.pid as string | undefined, uts: a.uts as string | undefined,
    },
    resources: {
      memory: a.memory as string | undefined, memorySwap: a['memory-swap'] as string | undefined, cpus: a.cpus as string | undefined,
      cpuShares: a['cpu-shares'] as number | undefined, cpusetCpus: a['cpuset-cpus'] as string | undefined, cpusetMems: a['cpuset-mems'] as string | undefined,
      blkioWeight: a['blkio-weight'] as string | undefined, blkioWeightDevice: toArray(a['blkio-weight-device']),
      deviceReadBps: toArray(a['device-read-bps']), deviceWriteBps: toArray(a['device-write-bps']),
    },
    userns: usernsFlags(a),
  };
}
