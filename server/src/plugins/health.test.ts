import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';
import { fakeClock } from '../test-support/fixtures.js';
import { SERVER_VERSION } from '../version.js';

describe('GET /healthz', () => {
  it('reports ok, the version, the uptime and a working database', async () => {
    const clock = fakeClock();
    const app = await buildApp({ dashboardDir: false, now: clock.now });
    clock.advance(90_500);
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', version: SERVER_VERSION, uptimeSec: 90, db: 'ok' });
    await app.close();
  });

  it('answers 503 when the database does not answer', async () => {
    const real = new SqliteStore(':memory:');
    // a store whose database went away after start (disk gone, PostgreSQL down)
    const broken: Store = Object.assign(Object.create(real) as Store, {
      ping: () => Promise.reject(new Error('database is gone')),
    });
    const app = await buildApp({ dashboardDir: false, store: broken });
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'error', db: 'error' });
    await app.close();
  });
});
