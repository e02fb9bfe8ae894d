import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests use: this machine's, database `test` (override with LAGEBILD_TEST_PG_URL). */
export const TEST_PG_URL = process.env.LAGEBILD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when the test PostgreSQL answers within two seconds. */
export async function pgAvailable(url = TEST_PG_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Whether PostgreSQL tests run. Under CI they must (a missing server fails the run); elsewhere they
 * are skipped with a message naming what is missing, never silently.
 */
export async function requirePg(what: string): Promise<boolean> {
  if (await pgAvailable()) return true;
  const message = `${what}: PostgreSQL at ${TEST_PG_URL} does not answer (start it, or set LAGEBILD_TEST_PG_URL)`;
  if (process.env.CI) throw new Error(message);
  console.warn(`SKIPPED ${message}`);
  return false;
}

/** A fresh, empty schema for one test (file); `drop()` removes it with everything in it. */
export async function freshSchema(
  prefix = 'lbtest',
): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  return {
    url: TEST_PG_URL,
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
