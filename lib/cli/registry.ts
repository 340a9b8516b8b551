// pull, push, login, logout.
import { TspodError } from '../util/errors.js';
import { type Args, positionals, registryOptions } from './args.js';
import { pullProgress, pushProgress } from './progress.js';

export const pull = async (a: Args): Promise<number | void> => {
  const refs = positionals(a, 'pull', 1);
  const { pull: pullImage } = await import('../engine/registry.js');
  const { hostPlatform } = await import('../image/manifest.js');
  const platform = (a.platform as string | undefined)
    ?? (a.arch || a.os || a.variant ? [a.os ?? 'linux', a.arch ?? hostPlatform().architecture, a.variant].filter(Boolean).join('/') : undefined);
  const opts = { ...registryOptions(a), platform, events: pullProgress(Boolean(a.quiet)) };
  for (const ref of refs) {
    if (a['all-tags']) {
      const { pullAllTags } = await import('../engine/registry.js');
      await pullAllTags(ref, opts, (r) => process.stdout.write(`${r.record.id.slice(7)}\n`));
      continue;
    }
    const r = await pullImage(ref, opts);
    process.stdout.write(`${r.record.id.slice(7)}\n`);
  }
};

export const push = async (a: Args): Promise<number | void> => {
  const [src, dest] = positionals(a, 'push', 1, 2);
  const { push: pushImage } = await import('../engine/registry.js');
  const r = await pushImage(src!, dest, {
    ...registryOptions(a), events: pushProgress(Boolean(a.quiet)), format: a.format as string | undefined,
    compressionFormat: a['compression-format'] as string | undefined, signBy: a['sign-by'] as string | undefined,
    signBySigstoreKey: a['sign-by-sigstore-private-key'] as string | undefined,
  });
  if (a.digestfile) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(String(a.digestfile), r.digest);
  }
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Ask on the terminal; the password is not echoed. */
async function prompt(question: string, hidden: boolean): Promise<string> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) {
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    out._writeToOutput = (s: string) => {
      if (s.startsWith(question)) process.stderr.write(question);
    };
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    if (hidden) process.stderr.write('\n');
    rl.close();
  }
}

export const login = async (a: Args): Promise<number | void> => {
  const [registry] = positionals(a, 'login', 1, 1, 'registry');
  if (a['get-login']) {
    const { storedLogin } = await import('../engine/registry.js');
    const user = storedLogin(registry!, a.authfile as string | undefined);
    if (!user) throw new TspodError(`not logged into ${registry}`);
    process.stdout.write(`${user}\n`);
    return;
  }
  let username = a.username as string | undefined;
  let password = a.password as string | undefined;
  if (a['password-stdin']) {
    if (password !== undefined) throw new TspodError('--password and --password-stdin are mutually exclusive');
    if (!username) throw new TspodError('--password-stdin needs --username (-u): stdin carries only the password');
    password = await readStdin();
  }
  if (username === undefined || password === undefined) {
    if (!process.stdin.isTTY) throw new TspodError('tspod login needs --username and a password (--password-stdin, -p) when stdin is not a terminal');
    username ??= await prompt('Username: ', false);
    password ??= await prompt('Password: ', true);
  }
  if (!username) throw new TspodError('a user name is required to log in');
  const { login: doLogin } = await import('../engine/registry.js');
  const file = await doLogin(registry!, { username, password }, registryOptions(a));
  if (a.verbose) process.stdout.write(`Used:  ${file}\n`);
  process.stdout.write('Login Succeeded!\n');
};

export const logout = async (a: Args): Promise<number | void> => {
  const ops = positionals(a, 'logout', a.all ? 0 : 1, a.all ? 0 : 1, 'registry');
  const { logout: doLogout } = await import('../engine/registry.js');
  const removed = doLogout(a.all ? undefined : ops[0], a.authfile as string | undefined);
  if (a.all) {
    process.stdout.write('Removed login credentials for all registries\n');
    return;
  }
  if (!removed) throw new TspodError(`not logged into ${ops[0]}`);
  process.stdout.write(`Removed login credentials for ${ops[0]}\n`);
};
