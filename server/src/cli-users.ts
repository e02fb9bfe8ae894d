import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { changePassword, createUser, removeUser, UserError } from './auth/users.js';
import { DEFAULT_DATA_DIR, parsePg, UsageError } from './cli-args.js';
import type { Output } from './cli-serve.js';
import { PgStore } from './store/pg/pg-store.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/store.js';

const DB_FILE = 'lagebild.db'; // same as cli-serve's DB_FILE

/** Where the users are: the SQLite file in the data directory, or PostgreSQL. */
export type UserStoreLocation =
  | { kind: 'sqlite'; dataDir: string }
  | { kind: 'pg'; url: string; schema: string | undefined };

export type UserCommand = { where: UserStoreLocation; passwordStdin: boolean } & (
  | { action: 'add'; name: string; role: string }
  | { action: 'passwd'; name: string }
  | { action: 'remove'; name: string }
  | { action: 'list' }
);

export const USER_USAGE = `Usage:
  lagebild-server user add NAME --role ROLE [--password-stdin] [--data DIR | --pg URL [--pg-schema NAME]]
  lagebild-server user passwd NAME [--password-stdin] [--data DIR | --pg URL [--pg-schema NAME]]
  lagebild-server user remove NAME [--data DIR | --pg URL [--pg-schema NAME]]
  lagebild-server user list [--data DIR | --pg URL [--pg-schema NAME]]

Roles: admin (everything), servicedesk (fleet, device lookup and detail, check now; no settings),
viewer (fleet views, no device detail), datenschutz (no device data).
The password (at least 12 characters) is read from stdin with --password-stdin (one line), or
asked for twice without echo on a terminal. Changing a password or removing a user ends the
user's sessions at once.
`;

export function isUserCommand(argv: string[]): boolean {
  return argv[0] === 'user';
}

/** Parses `user …`; throws UsageError for anything else. */
export function parseUserArgs(argv: string[], env: NodeJS.ProcessEnv = {}): UserCommand | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv.slice(1));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${USER_USAGE}`);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const [verb, name, ...extra] = parsed.positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const pg = parsePg(values, env);
  if (pg && values.data !== undefined) throw new UsageError('give either --data or --pg, not both');
  const where: UserStoreLocation = pg
    ? { kind: 'pg', url: pg.url, schema: pg.schema }
    : { kind: 'sqlite', dataDir: resolve(values.data ?? (env.LAGEBILD_DATA || DEFAULT_DATA_DIR)) };
  const passwordStdin = values['password-stdin'] ?? false;
  const needName = (): string => {
    if (!name) throw new UsageError(`user ${verb}: the user NAME is missing\n${USER_USAGE}`);
    return name;
  };
  if (values.role !== undefined && verb !== 'add') throw new UsageError(`user ${verb} takes no --role`);
  switch (verb) {
    case 'add':
      if (!values.role)
        throw new UsageError(`user add: --role is missing (admin, servicedesk, viewer, datenschutz)`);
      return { action: 'add', where, passwordStdin, name: needName(), role: values.role };
    case 'passwd':
      return { action: 'passwd', where, passwordStdin, name: needName() };
    case 'remove':
      return { action: 'remove', where, passwordStdin, name: needName() };
    case 'list':
      if (name) throw new UsageError(`unexpected argument "${name}"`);
      return { action: 'list', where, passwordStdin };
    default:
      throw new UsageError(`unknown command "user ${parsed.positionals.join(' ')}"\n${USER_USAGE}`);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      pg: { type: 'string' },
      'pg-schema': { type: 'string' },
      role: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function openStore(where: UserStoreLocation): Promise<Store> {
  if (where.kind === 'pg') return PgStore.open({ url: where.url, schema: where.schema, poolSize: 1 });
  const dbPath = join(where.dataDir, DB_FILE);
  // never create an empty database by mistyping --data
  if (!existsSync(dbPath))
    throw new UsageError(`--data ${where.dataDir}: no ${DB_FILE} there (start the server once)`);
  return new SqliteStore(dbPath);
}

/** How the CLI gets a password: all of stdin, or a prompt without echo. */
export interface PasswordSource {
  /** stdin's whole content (for --password-stdin) */
  readStdin(): Promise<string>;
  /** asks on the terminal without echo; null when there is no terminal */
  prompt(question: string): Promise<string | null>;
}

async function readPassword(cmd: UserCommand, source: PasswordSource): Promise<string> {
  if (cmd.passwordStdin) {
    const text = await source.readStdin();
    // one line; a trailing newline from echo or a file is not part of the password
    return text.replace(/\r?\n$/, '');
  }
  const first = await source.prompt('Password: ');
  if (first === null)
    throw new UsageError('no terminal to ask for the password: pipe it in with --password-stdin');
  const again = await source.prompt('Repeat the password: ');
  if (again !== first) throw new UserError('the passwords do not match');
  return first;
}

const iso = (t: number) => new Date(t).toISOString();

/** Runs one user command; returns the exit code (0 done, 1 refused: name taken, unknown user, weak password). */
export async function runUser(
  cmd: UserCommand,
  io: Output,
  passwords: PasswordSource,
  now: () => number = Date.now,
): Promise<number> {
  // read the password before opening the store: a prompt must not hold the database open
  const password = cmd.action === 'add' || cmd.action === 'passwd' ? await readPassword(cmd, passwords) : '';
  const store = await openStore(cmd.where);
  try {
    switch (cmd.action) {
      case 'add': {
        const user = await createUser(store, { name: cmd.name, role: cmd.role, password, now: now() });
        io.out(`User ${user.name} added with role ${user.role}`);
        return 0;
      }
      case 'passwd':
        await changePassword(store, cmd.name, password);
        io.out(`Password of ${cmd.name} changed; their sessions have ended`);
        return 0;
      case 'remove':
        await removeUser(store, cmd.name);
        io.out(`User ${cmd.name} removed; their sessions have ended`);
        return 0;
      case 'list': {
        io.out('NAME\tROLE\tCREATED');
        for (const u of await store.listUsers()) io.out([u.name, u.role, iso(u.createdAt)].join('\t'));
        return 0;
      }
    }
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    io.err(`lagebild-server: ${e.message}`);
    return 1;
  } finally {
    await store.close();
  }
}

/** The real terminal: stdin for --password-stdin, a raw-mode prompt without echo on a TTY. */
export const processPasswords: PasswordSource = {
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  prompt(question) {
    const stdin = process.stdin;
    if (!stdin.isTTY) return Promise.resolve(null);
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    return new Promise((resolvePrompt, reject) => {
      let value = '';
      const finish = () => {
        stdin.off('data', onData);
        stdin.setRawMode(false);
        stdin.pause();
        process.stderr.write('\n');
      };
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') {
            finish();
            return resolvePrompt(value);
          }
          if (ch === '\u0003' || ch === '\u0004') {
            finish();
            return reject(new UsageError('cancelled'));
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  },
};
