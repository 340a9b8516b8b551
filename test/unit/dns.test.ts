// tspod-dns, the DNS responder of user-defined networks, on loopback addresses: names answered per
// network (A, AAAA, PTR, the dns.podman suffix), other names forwarded with the client's id kept,
// internal networks never forwarded, the records read again on SIGHUP, and random, truncated and
// mutated packets never stopping it. Budget: about 5 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

const bin = resolve(import.meta.dirname, '../../helpers-c/bin/tspod-dns');
const work = mkdtempSync(join(tmpdir(), 'tspod-dns-'));
const records = join(work, 'records');
let dns: ChildProcess;
let port = 0;
let upstream: Socket;
let upstreamPort = 0;
let stderr = '';

function writeRecords(text: string): void {
  writeFileSync(`${records}.tmp`, text);
  renameSync(`${records}.tmp`, records);
}

function encodeQuery(id: number, name: string, type: number): Buffer {
  const labels = name.split('.').filter(Boolean).flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(0x0100, 2); // RD
  head.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([head, ...labels, tail]);
}

interface Reply { id: number; rcode: number; answers: Array<{ type: number; data: Buffer }>; raw: Buffer }

function decode(b: Buffer): Reply {
  const an = b.readUInt16BE(6);
  let off = 12;
  while (b[off] !== 0) off += b[off]! + 1;
  off += 5;
  const answers: Reply['answers'] = [];
  for (let i = 0; i < an; i++) {
    off += 2; // the pointer back to the question
    const type = b.readUInt16BE(off);
    const len = b.readUInt16BE(off + 8);
    answers.push({ type, data: b.subarray(off + 10, off + 10 + len) });
    off += 10 + len;
  }
  return { id: b.readUInt16BE(0), rcode: b[3]! & 15, answers, raw: b };
}

/** One query to SERVER, its reply (retried a few times: the responder may still be starting). */
async function ask(server: string, packet: Buffer, tries = 20): Promise<Reply | undefined> {
  const sock = createSocket('udp4');
  try {
    for (let i = 0; i < tries; i++) {
      const got = new Promise<Buffer | undefined>((res) => {
        const t = setTimeout(() => res(undefined), 250);
        sock.once('message', (m) => {
          clearTimeout(t);
          res(m);
        });
      });
      sock.send(packet, port, server);
      const m = await got;
      if (m) return decode(m);
    }
    return undefined;
  } finally {
    sock.close();
  }
}

const ipv4 = (d: Buffer) => [...d].join('.');

beforeAll(async () => {
  upstream = createSocket('udp4');
  // the fake upstream answers every query with 1.2.3.4 and its id as received
  upstream.on('message', (m, r) => {
    const reply = Buffer.concat([m, Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4])]);
    reply[2] = 0x81;
    reply[3] = 0x80;
    reply.writeUInt16BE(1, 6);
    upstream.send(reply, r.port, r.address);
  });
  await new Promise<void>((res) => upstream.bind(0, '127.0.0.1', () => res()));
  upstreamPort = upstream.address().port;
  // a free port for the responder
  const probe = createSocket('udp4');
  await new Promise<void>((res) => probe.bind(0, '127.0.0.1', () => res()));
  port = probe.address().port;
  probe.close();
  writeRecords([
    `upstream 127.0.0.1 ${upstreamPort}`,
    'server 127.0.0.1',
    'host 127.0.0.1 web 10.89.0.2', 'host 127.0.0.1 Web-Alias 10.89.0.2', 'host 127.0.0.1 web fd00::2', 'host 127.0.0.1 0123456789ab 10.89.0.2',
    'server 127.0.0.2 internal', 'host 127.0.0.2 db 10.90.0.3',
    'host 127.0.0.9 orphan 10.1.1.1', 'nonsense line', '',
  ].join('\n'));
  dns = spawn(bin, ['--port', String(port), records], { stdio: ['ignore', 'ignore', 'pipe'] });
  dns.stderr!.on('data', (d) => (stderr += d));
});

afterAll(() => {
  dns?.kill('SIGTERM');
  upstream?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('tspod-dns', () => {
  it('answers the names of its network: A, AAAA, PTR, aliases, short ids, the dns.podman suffix', async () => {
    const a = await ask('127.0.0.1', encodeQuery(0x1234, 'web', 1));
    expect(a).toBeDefined();
    expect(a!.id).toBe(0x1234);
    expect(a!.rcode).toBe(0);
    expect(a!.answers.map((x) => ipv4(x.data))).toEqual(['10.89.0.2']);
    const alias = await ask('127.0.0.1', encodeQuery(7, 'WEB-alias.dns.podman', 1));
    expect(alias!.answers.map((x) => ipv4(x.data))).toEqual(['10.89.0.2']);
    expect((await ask('127.0.0.1', encodeQuery(8, '0123456789ab', 1)))!.answers).toHaveLength(1);
    const six = await ask('127.0.0.1', encodeQuery(9, 'web', 28));
    expect(six!.answers.map((x) => x.data.toString('hex'))).toEqual(['fd000000000000000000000000000002']);
    const ptr = await ask('127.0.0.1', encodeQuery(10, '2.0.89.10.in-addr.arpa', 12));
    expect(ptr!.answers[0]!.data.subarray(1, 4).toString()).toBe('web');
  });

  it('forwards other names with the client\'s id; an internal network forwards nothing and sees only its own names', async () => {
    const f = await ask('127.0.0.1', encodeQuery(0xbeef, 'example.org', 1));
    expect(f!.id).toBe(0xbeef);
    expect(f!.answers.map((x) => ipv4(x.data))).toEqual(['1.2.3.4']);
    const db = await ask('127.0.0.2', encodeQuery(11, 'db', 1));
    expect(db!.answers.map((x) => ipv4(x.data))).toEqual(['10.90.0.3']);
    const other = await ask('127.0.0.2', encodeQuery(12, 'web', 1));
    expect(other!.rcode).toBe(3);
    expect((await ask('127.0.0.1', encodeQuery(13, 'db', 1)))!.answers.map((x) => ipv4(x.data))).toEqual(['1.2.3.4']);
  });

  it('answers a client with an address on several networks the names of all of them', async () => {
    // 127.0.0.3 asks: the container that has it has another address on the second network
    writeRecords(readFileSync(records, 'utf8') + 'host 127.0.0.1 both 127.0.0.3 cafe00000001\nhost 127.0.0.2 both 10.90.0.9 cafe00000001\n');
    dns.kill('SIGHUP');
    const sock = createSocket('udp4');
    await new Promise<void>((res) => sock.bind(0, '127.0.0.3', () => res()));
    const got = new Promise<Buffer>((res) => sock.once('message', res));
    let reply: Buffer | undefined;
    for (let i = 0; i < 20 && !reply; i++) {
      sock.send(encodeQuery(20, 'db', 1), port, '127.0.0.1');
      reply = await Promise.race([got, new Promise<undefined>((res) => setTimeout(res, 250))]);
      if (reply && decode(reply).answers.length === 0) reply = undefined;
    }
    sock.close();
    expect(decode(reply!).answers.map((x) => ipv4(x.data))).toEqual(['10.90.0.3']);
  });

  it('reads the records again on SIGHUP', async () => {
    writeRecords(`server 127.0.0.1\nhost 127.0.0.1 newcomer 10.89.0.9\n`);
    dns.kill('SIGHUP');
    let r: Reply | undefined;
    for (let i = 0; i < 20 && !r?.answers.length; i++) r = await ask('127.0.0.1', encodeQuery(14, 'newcomer', 1));
    expect(r!.answers.map((x) => ipv4(x.data))).toEqual(['10.89.0.9']);
    // no upstream any more: an unknown name is NXDOMAIN, the old names are gone
    expect((await ask('127.0.0.1', encodeQuery(15, 'web', 1)))!.rcode).toBe(3);
  });

  it('survives random, truncated and mutated packets and still answers', async () => {
    const sock = createSocket('udp4');
    const replies: Buffer[] = [];
    sock.on('message', (m) => replies.push(m));
    const valid = encodeQuery(16, 'newcomer', 1);
    const send = (b: Buffer) => new Promise<void>((res) => sock.send(b, port, '127.0.0.1', () => res()));
    for (let len = 0; len < valid.length; len++) await send(valid.subarray(0, len));
    for (let i = 0; i < 1500; i++) await send(randomBytes(Math.floor(Math.random() * 600)));
    for (let i = 0; i < 1500; i++) {
      const m = Buffer.from(valid);
      for (let k = 0; k < 3; k++) m[Math.floor(Math.random() * m.length)] = Math.floor(Math.random() * 256);
      m[2] = m[2]! & 0x7f; // still a query, so it is parsed
      await send(m);
    }
    // labels that claim more than the packet holds, and a compression pointer in the question
    await send(Buffer.concat([valid.subarray(0, 12), Buffer.from([63, 0x41])]));
    await send(Buffer.concat([valid.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]));
    sock.close();
    for (const r of replies) expect(r.length).toBeLessThanOrEqual(512);
    const r = await ask('127.0.0.1', encodeQuery(17, 'newcomer', 1));
    expect(r!.answers.map((x) => ipv4(x.data))).toEqual(['10.89.0.9']);
    expect(dns.exitCode).toBeNull();
    expect(stderr).toContain('not understood');
  });
});
