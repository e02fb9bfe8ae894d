import pg from 'pg';

/** The URL without its password, for messages and logs. */
export function redactPgUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

/**
 * Connects once and asks `SELECT 1`, so that a server started with a wrong URL or a stopped database
 * fails at once with a message naming both, instead of waiting in a pool without a timeout.
 */
export async function checkPostgres(url: string, timeoutMs = 10_000): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // an error after connect would otherwise be unhandled
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (e) {
    const err = e as Error & { code?: string };
    const why = err.message || err.code || String(e);
    throw new Error(`cannot reach PostgreSQL at ${redactPgUrl(url)}: ${why}`);
  } finally {
    await client.end().catch(() => {});
  }
}
