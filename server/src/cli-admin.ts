import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR, UsageError } from './cli-args.js';
import type { Output } from './cli-serve.js';
import { createEnrollSecret } from './gateway/enroll-secrets.js';
import { SqliteStore } from './store/sqlite-store.js';

const DB_FILE = 'lagebild.db'; // same as cli-serve's DB_FILE; not imported to keep this file free of buildApp

/** Administrative commands that work on the data directory, also while the server runs (SQLite WAL). */
export type AdminCommand =
  | { action: 'secret-add'; dataDir: string; label: string }
  | { action: 'secret-list'; dataDir: string }
  | { action: 'secret-revoke'; dataDir: string; id: string }
  | { action: 'device-revoke'; dataDir: string; id: string };

export const ADMIN_USAGE = `Administration (on the data directory; works while the server runs):
  lagebild-server secret add [--label TEXT] --data DIR   new enrollment secret, printed once
  lagebild-server secret list --data DIR                 id, label, created, uses, revoked
  lagebild-server secret revoke ID --data DIR            notebooks can no longer enroll with it
  lagebild-server device revoke ID --data DIR            the device's token stops working; its
                                                         history stays; it must enroll again
`;

/** True when argv starts with an administrative command word. */
export function isAdminCommand(argv: string[]): boolean {
  return argv[0] === 'secret' || argv[0] === 'device';
}

/** Parses `secret …` / `device …`; throws UsageError for anything else. */
export function parseAdminArgs(argv: string[], env: NodeJS.ProcessEnv = {}): AdminCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const [noun, verb, id, ...extra] = parsed.positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const dataDir = resolve(parsed.values.data ?? (env.LAGEBILD_DATA || DEFAULT_DATA_DIR));
  const needId = (what: string): string => {
    if (!id) throw new UsageError(`${noun} ${verb}: the ${what} id is missing`);
    return id;
  };
  if (noun === 'secret' && verb === 'add' && !id)
    return { action: 'secret-add', dataDir, label: parsed.values.label ?? '' };
  if (noun === 'secret' && verb === 'list' && !id) return { action: 'secret-list', dataDir };
  if (noun === 'secret' && verb === 'revoke')
    return { action: 'secret-revoke', dataDir, id: needId('secret') };
  if (noun === 'device' && verb === 'revoke')
    return { action: 'device-revoke', dataDir, id: needId('device') };
  throw new UsageError(`unknown command "${parsed.positionals.join(' ')}"\n${ADMIN_USAGE}`);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { data: { type: 'string' }, label: { type: 'string' } },
  });
}

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());

/** Runs one administrative command; returns the exit code (0 done, 1 not found). */
export async function runAdmin(cmd: AdminCommand, io: Output, now: () => number = Date.now): Promise<number> {
  const dbPath = join(cmd.dataDir, DB_FILE);
  // never create an empty database by mistyping --data
  if (!existsSync(dbPath))
    throw new UsageError(`--data ${cmd.dataDir}: no ${DB_FILE} there (start the server once)`);
  const store = new SqliteStore(dbPath);
  try {
    switch (cmd.action) {
      case 'secret-add': {
        const { secret, info } = await createEnrollSecret(store, cmd.label, now());
        io.out(`Enrollment secret ${info.id} (shown only now): ${secret}`);
        return 0;
      }
      case 'secret-list': {
        const secrets = await store.listEnrollSecrets();
        io.out('ID\tLABEL\tCREATED\tUSES\tLAST USED\tREVOKED');
        for (const s of secrets)
          io.out(
            [s.id, s.label || '-', iso(s.createdAt), s.uses, iso(s.lastUsedAt), iso(s.revokedAt)].join('\t'),
          );
        return 0;
      }
      case 'secret-revoke': {
        if (await store.revokeEnrollSecret(cmd.id, now())) {
          io.out(`Enrollment secret ${cmd.id} revoked`);
          return 0;
        }
        io.err(`lagebild-server: no active enrollment secret ${cmd.id}`);
        return 1;
      }
      case 'device-revoke': {
        if (await store.revokeDevice(cmd.id, now())) {
          // a running server notices at the device's next batch or hello
          io.out(`Device ${cmd.id} revoked; it must enroll again with a valid secret`);
          return 0;
        }
        io.err(`lagebild-server: no device ${cmd.id}`);
        return 1;
      }
    }
  } finally {
    await store.close();
  }
}
