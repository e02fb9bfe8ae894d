import fp from 'fastify-plugin';
import { PgStore } from '../store/pg/pg-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';

export interface StorePluginOptions {
  /** a ready store; when absent a PgStore is opened on `pg`, else a SqliteStore at `dbPath` */
  store?: Store;
  dbPath: string;
  pg?: { url: string; schema?: string | undefined } | undefined;
}

/** Decorates `app.store` and closes it when the app closes. */
export default fp<StorePluginOptions>(
  async (app, opts) => {
    const store = opts.store ?? (opts.pg ? await PgStore.open(opts.pg) : new SqliteStore(opts.dbPath));
    app.decorate('store', store);
    app.addHook('onClose', async () => {
      await store.close();
    });
  },
  { name: 'lagebild-store' },
);
