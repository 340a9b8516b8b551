// `tspod network create|ls|inspect|rm|prune|exists|connect|disconnect|reload`
import { TspodError } from '../util/errors.js';
import { type Args, toArray, keyValues } from './args.js';
import { printList, renderList, printRemovals } from './format.js';

/** cobra's operand count errors, as podman prints them. */
function operands(a: Args, min: number, max: number): string[] {
  const n = a.operands.length;
  if (min === max && n !== min) throw new TspodError(`accepts ${min} arg(s), received ${n}`);
  if (n < min) throw new TspodError(`requires at least ${min} arg(s), only received ${n}`);
  return a.operands;
}

export async function handler(a: Args): Promise<number | void> {
  const sub = a.command.split(' ')[1]!;
  const n = await import('../engine/networks.js');
  switch (sub) {
    case 'create': {
      const name = await n.networkCreate({
        name: a.operands[0], driver: a.driver as string, subnets: toArray(a.subnet), gateways: toArray(a.gateway), ipRanges: toArray(a['ip-range']),
        internal: Boolean(a.internal), disableDns: Boolean(a['disable-dns']), ipv6: Boolean(a.ipv6), ipamDriver: a['ipam-driver'] as string | undefined,
        labels: keyValues(toArray(a.label)), options: keyValues(toArray(a.opt)), ignore: Boolean(a.ignore),
      });
      process.stdout.write(`${name}\n`);
      return 0;
    }
    case 'ls': {
      const nets = n.networkList(toArray(a.filter));
      const format = a.format as string | undefined;
      const id = (s: string) => (a['no-trunc'] ? s : s.slice(0, 12));
      if (a.quiet) {
        process.stdout.write(nets.map((r) => `${r.name}\n`).join(''));
        return 0;
      }
      if (format === 'json' || format === '{{json .}}') {
        process.stdout.write(JSON.stringify(nets, null, 2) + '\n');
        return 0;
      }
      const rows = nets.map((r) => ({ ...n.listRow(r), ID: id(r.id) }));
      // podman's default is a table template (tabwriter, columns at least 12 wide)
      const opts = { verb: 'network ls', headers: { ID: 'NETWORK ID' } };
      const table = { header: ['NETWORK ID', 'NAME', 'DRIVER'], row: (r: typeof rows[number]) => [r.ID, r.Name, r.Driver] };
      if (!format) {
        const out = renderList(rows, 'table {{.ID}}\t{{.Name}}\t{{.Driver}}', opts);
        process.stdout.write(a.noheading ? out.slice(out.indexOf('\n') + 1) : out);
        return 0;
      }
      printList(rows, format, table, undefined, undefined, opts);
      return 0;
    }
    case 'inspect': {
      operands(a, 1, Infinity);
      const { reports, errors, warnings } = await n.networkInspect(a.operands);
      for (const w of warnings) process.stderr.write(`WARN[0000] ${w}\n`);
      const format = a.format as string | undefined;
      if (!format || format === 'json') process.stdout.write(JSON.stringify(reports, null, 5) + '\n');
      else process.stdout.write(renderList(reports.map(n.inspectObject), format, { verb: 'network inspect', mapFields: ['Labels', 'Options', 'IPAMOptions'] }));
      for (const e of errors.slice(0, -1)) process.stderr.write(`Error: inspecting object: ${e}\n`);
      if (errors.length) throw new TspodError(`inspecting object: ${errors[errors.length - 1]!}`);
      return 0;
    }
    case 'rm': {
      operands(a, 1, Infinity);
      const reports = await n.networkRemove(a.operands, { force: Boolean(a.force), time: a.time as number });
      // --force passes over a network that does not exist, silently (podman's)
      return printRemovals(a.force ? reports.filter((r) => r.exitCode !== 1) : reports);
    }
    case 'prune': {
      if (!a.force) {
        process.stdout.write('WARNING! This will remove all networks not used by at least one container.\nAre you sure you want to continue? [y/N] ');
        const answer = await readLine();
        if (answer === undefined) throw new TspodError('EOF');
        if (!/^y(es)?$/i.test(answer.trim())) return 0;
      }
      process.stdout.write((await n.networkPrune(toArray(a.filter))).map((x) => `${x}\n`).join(''));
      return 0;
    }
    case 'exists': {
      const [name] = operands(a, 1, 1);
      return n.networkExists(name!) ? 0 : 1;
    }
    case 'connect': {
      const [net, ctr] = operands(a, 2, 2);
      await n.networkConnect(net!, ctr!, { aliases: toArray(a.alias), ip: a.ip as string | undefined, ip6: a.ip6 as string | undefined, mac: a['mac-address'] as string | undefined });
      return 0;
    }
    case 'disconnect': {
      const [net, ctr] = operands(a, 2, 2);
      await n.networkDisconnect(net!, ctr!, Boolean(a.force));
      return 0;
    }
    default: {
      if (!a.all && !a.latest && !a.operands.length) throw new TspodError('you must provide at least one name or id');
      const { selectContainers } = await import('../engine/containers.js');
      const ids = selectContainers({ refs: a.operands, all: Boolean(a.all), latest: Boolean(a.latest), allRunning: Boolean(a.all) }, 'network reload');
      const reports = await n.networkReload(ids);
      let failed = false;
      for (const r of reports) {
        if (r.error) {
          failed = true;
          process.stderr.write(`Error: ${r.error}\n`);
        } else process.stdout.write(`${r.id}\n`);
      }
      return failed ? 125 : 0;
    }
  }
}

/** One line from stdin (undefined at end of input), for prune's question. */
async function readLine(): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) done(buf.slice(0, buf.indexOf('\n')));
    };
    const done = (v: string | undefined) => {
      process.stdin.off('data', onData);
      process.stdin.pause();
      resolve(v);
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', () => done(buf || undefined));
  });
}
