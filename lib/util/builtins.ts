// Node builtins that cost start-up time, loaded on first use: node:crypto takes about 5 ms to
// load, node:net 2.5 ms and node:zlib (with the stream modules) 3-5 ms, while ps, inspect and
// exec mostly never hash, draw random ids, open a socket or unzip. process.getBuiltinModule (Node 20.16) loads one synchronously when asked.
import type * as Crypto from 'node:crypto';
import type * as Net from 'node:net';
import type * as Zlib from 'node:zlib';

let crypto: typeof Crypto | undefined;
let net: typeof Net | undefined;
let zlib: typeof Zlib | undefined;

export function lazyCrypto(): typeof Crypto {
  return (crypto ??= process.getBuiltinModule('node:crypto'));
}

export function lazyNet(): typeof Net {
  return (net ??= process.getBuiltinModule('node:net'));
}

export function lazyZlib(): typeof Zlib {
  return (zlib ??= process.getBuiltinModule('node:zlib'));
}

export function randomBytes(size: number): Buffer {
  return lazyCrypto().randomBytes(size);
}

export function createHash(algorithm: string): Crypto.Hash {
  return lazyCrypto().createHash(algorithm);
}
