import fp from 'fastify-plugin';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';

export interface StorePluginOptions {
  /** a ready store; when absent a SqliteStore is opened at `dbPath` */
  store?: Store;
  dbPath: string;
}

/** Decorates `app.store` and closes it when the app closes. */
export default fp<StorePluginOptions>(
  async (app, opts) => {
    const store = opts.store ?? new SqliteStore(opts.dbPath);
    app.decorate('store', store);
    app.addHook('onClose', async () => {
      await store.close();
    });
  },
  { name: 'lagebild-store' },
);
