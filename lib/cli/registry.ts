// pull, push, login, logout.
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';
import { positionals } from './main.js';
import { pullProgress, pushProgress } from './progress.js';

/** Flags every registry verb takes, as podman spells them. */
export function withRegistryFlags(y: Argv): Argv {
  return y
    .option('tls-verify', { type: 'boolean', describe: 'Require HTTPS and verify certificates (default: unless registries.conf marks the registry insecure)' })
    .option('creds', { type: 'string', describe: 'USERNAME[:PASSWORD] for the registry' })
    .option('authfile', { type: 'string', describe: 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' });
}

export function registryOptions(a: Record<string, unknown>): { tlsVerify?: boolean; creds?: string; authfile?: string } {
  return { tlsVerify: a['tls-verify'] as boolean | undefined, creds: a.creds as string | undefined, authfile: a.authfile as string | undefined };
}

export const pull = {
  builder: (y: Argv) =>
    withRegistryFlags(y.usage('Usage: tspod pull [options] IMAGE [IMAGE...]'))
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print only the image ID' })
      .option('platform', { type: 'string', describe: 'OS/ARCH[/VARIANT] to pull from a multi-platform image (default: this host)' })
      .option('arch', { type: 'string', describe: 'Architecture to pull (instead of this host\'s)' })
      .option('os', { type: 'string', describe: 'OS to pull (instead of linux)' }),
  handler: async (a: Record<string, unknown>) => {
    const refs = positionals(a, 'pull', 1);
    const { pull: pullImage } = await import('../engine/registry.js');
    const platform = (a.platform as string | undefined) ?? (a.arch || a.os ? `${a.os ?? 'linux'}/${a.arch ?? 'amd64'}` : undefined);
    for (const ref of refs) {
      const r = await pullImage(ref, { ...registryOptions(a), platform, events: pullProgress(Boolean(a.quiet)) });
      process.stdout.write(`${r.record.id.slice(7)}\n`);
    }
  },
};

export const push = {
  builder: (y: Argv) =>
    withRegistryFlags(y.usage('Usage: tspod push [options] IMAGE [DESTINATION]'))
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Say nothing while pushing' })
      .option('digestfile', { type: 'string', describe: 'Write the digest of the pushed manifest to this file' }),
  handler: async (a: Record<string, unknown>) => {
    const [src, dest] = positionals(a, 'push', 1, 2);
    const { push: pushImage } = await import('../engine/registry.js');
    const r = await pushImage(src!, dest, { ...registryOptions(a), events: pushProgress(Boolean(a.quiet)) });
    if (a.digestfile) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(String(a.digestfile), r.digest);
    }
  },
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

export const login = {
  builder: (y: Argv) =>
    withRegistryFlags(y.usage('Usage: tspod login [options] REGISTRY'))
      .option('username', { alias: 'u', type: 'string', describe: 'Username' })
      .option('password', { alias: 'p', type: 'string', describe: 'Password (prefer --password-stdin: a password on the command line is visible to other users)' })
      .option('password-stdin', { type: 'boolean', default: false, describe: 'Read the password from stdin' })
      .option('get-login', { type: 'boolean', default: false, describe: 'Print the user name stored for the registry' }),
  handler: async (a: Record<string, unknown>) => {
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
    await doLogin(registry!, { username, password }, registryOptions(a));
    process.stdout.write('Login Succeeded!\n');
  },
};

export const logout = {
  builder: (y: Argv) =>
    y.usage('Usage: tspod logout [options] REGISTRY | --all')
      .option('authfile', { type: 'string', describe: 'Path of the authentication file' })
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Remove the credentials of every registry' }),
  handler: async (a: Record<string, unknown>) => {
    const ops = positionals(a, 'logout', a.all ? 0 : 1, a.all ? 0 : 1, 'registry');
    const { logout: doLogout } = await import('../engine/registry.js');
    const removed = doLogout(a.all ? undefined : ops[0], a.authfile as string | undefined);
    if (a.all) {
      process.stdout.write('Removed login credentials for all registries\n');
      return;
    }
    if (!removed) throw new TspodError(`not logged into ${ops[0]}`);
    process.stdout.write(`Removed login credentials for ${ops[0]}\n`);
  },
};
