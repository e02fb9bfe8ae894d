import { describe } from 'vitest';
import type { Store } from '../store.js';
import { adminContract } from './contract-admin.js';
import { devicesContract } from './contract-devices.js';
import { ingestContract } from './contract-ingest.js';
import { queriesContract } from './contract-queries.js';
import { rollupContract } from './contract-rollup.js';
import { statsContract } from './contract-stats.js';
import { usersContract } from './contract-users.js';

/**
 * The behaviour every Store engine must show, checked through the interface only: each engine's
 * runner calls this with a way to open a fresh, empty store (and to dispose of it). Answers must be
 * identical across engines, except where the interface leaves an order open.
 */
export function defineStoreContract(
  engine: string,
  open: () => Promise<{ store: Store; cleanup(): Promise<void> }>,
): void {
  describe(`Store contract: ${engine}`, () => {
    devicesContract(open);
    ingestContract(open);
    queriesContract(open);
    statsContract(open);
    rollupContract(open);
    adminContract(open);
    usersContract(open);
  });
}
