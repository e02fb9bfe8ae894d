import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../sqlite-store.js';
import { defineStoreContract } from './store-contract.js';

// A database file (not ':memory:') so WAL and the file-backed paths are what the contract sees.
defineStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lagebild-contract-'));
  const store = new SqliteStore(join(dir, 'lagebild.db'));
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
