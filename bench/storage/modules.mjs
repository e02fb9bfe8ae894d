// The built packages the bench measures (run the build first) and the drivers they depend on,
// resolved from the server package as it resolves them itself.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const requireFromServer = createRequire(join(ROOT, 'server/package.json'));

async function importBuilt(rel) {
  const file = join(ROOT, rel);
  if (!existsSync(file)) {
    throw new Error(
      `${rel} is missing: build first (npx pnpm@12.4.2 --filter @lagebild/shared --filter @lagebild/server run build)`,
    );
  }
  return import(pathToFileURL(file).href);
}

export async function loadShared() {
  return importBuilt('shared/dist/index.js');
}

export async function loadSqlite() {
  const { SqliteStore } = await importBuilt('server/dist/store/sqlite-store.js');
  return { SqliteStore, Database: requireFromServer('better-sqlite3') };
}

export async function loadPg() {
  const { PgStore } = await importBuilt('server/dist/store/pg/pg-store.js');
  // the engine's own partition naming, so that the history lands in the partitions it would have made
  const partitions = await importBuilt('server/dist/store/pg/pg-partitions.js');
  const { lockNamespace } = await importBuilt('server/dist/store/pg/pg-db.js');
  return { PgStore, partitions, lockNamespace, pg: requireFromServer('pg') };
}
