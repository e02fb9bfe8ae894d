import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';

const INDEX = '<!doctype html><title>Lagebild</title><div id="app"></div>';

describe('dashboard serving', () => {
  let dir: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lagebild-dash-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("lagebild")');
    app = await buildApp({ dashboardDir: dir });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the dashboard page at /', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toBe(INDEX);
  });

  it('serves the built assets', async () => {
    const res = await app.inject('/assets/app.js');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('lagebild');
  });

  it('answers a dashboard route such as /geraete/xyz with the page (SPA fallback)', async () => {
    const res = await app.inject('/geraete/dev_0123456789abcdef');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(INDEX);
  });

  it('answers a missing asset and an unknown API path with a JSON 404, not the page', async () => {
    for (const url of ['/assets/missing.js', '/api/v1/unknown', '/v1/whatever']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ code: 'LB_ERR_NOT_FOUND' });
    }
  });

  it('starts without a dashboard build and still serves the API', async () => {
    const bare = await buildApp({ dashboardDir: join(dir, 'does-not-exist') });
    expect((await bare.inject('/')).statusCode).toBe(404);
    expect((await bare.inject('/healthz')).statusCode).toBe(200);
    await bare.close();
  });
});
