import { describe } from 'vitest';
import { freshSchema, requirePg } from '../../test-support/pg.js';
import { PgStore } from '../pg/pg-store.js';
import { defineStoreContract } from './store-contract.js';

const pgUp = await requirePg('Store contract on PostgreSQL');

describe.skipIf(!pgUp)('PostgreSQL engine', () => {
  // A fresh schema per test: every test starts from an empty, freshly migrated database.
  defineStoreContract('PostgreSQL', async () => {
    const schema = await freshSchema('lbcontract');
    let store: PgStore;
    try {
      store = await PgStore.open({ url: schema.url, schema: schema.schema });
    } catch (e) {
      await schema.drop();
      throw e;
    }
    return {
      store,
      async cleanup() {
        // the close test has closed it already; a pool refuses a second end
        await store.close().catch(() => {});
        await schema.drop();
      },
    };
  });
});
