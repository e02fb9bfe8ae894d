import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_WS_PATH, ENROLL_PATH, LIVE_WS_PATH, PROTOCOL_VERSION } from '@lagebild/shared';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance, FastifySchema } from 'fastify';
import Schema from 'typebox/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAGS } from '../api-schemas.js';
import { buildApp } from '../app.js';
import { type Session, signIn } from '../test-support/auth.js';
import {
  enroll,
  fakeClock,
  health,
  identity,
  probe,
  SECRET,
  securityKey,
  vpn,
} from '../test-support/fixtures.js';
import { SERVER_VERSION } from '../version.js';

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: { in: string; name: string; required?: boolean; schema?: object }[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: object }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: object }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}
interface CollectedRoute {
  method: string;
  url: string;
  schema: FastifySchema | undefined;
}

/** Every REST route a program may call; the collector must find at least these. */
const KNOWN = [
  'GET /api/v1/fleet',
  'GET /api/v1/devices',
  'GET /api/v1/devices/:id',
  'GET /api/v1/apps/latency',
  'GET /api/v1/apps/stats',
  'GET /api/v1/config/probes',
  'PUT /api/v1/config/probes',
  'GET /api/v1/enroll-secrets',
  'POST /api/v1/enroll-secrets',
  'DELETE /api/v1/enroll-secrets/:id',
  'POST /api/v1/devices/:id/revoke',
  'POST /api/v1/devices/:id/checks',
  'GET /api/v1/commands/:id',
  `POST ${ENROLL_PATH}`,
  'GET /healthz',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'GET /api/v1/auth/me',
];
const WITH_BODY = [
  'PUT /api/v1/config/probes',
  'POST /api/v1/enroll-secrets',
  'POST /api/v1/devices/:id/checks',
  `POST ${ENROLL_PATH}`,
  'POST /api/v1/auth/login',
  'POST /api/v1/users',
  'PATCH /api/v1/users/:name',
  'PUT /api/v1/users/:name/password',
  'POST /api/v1/config/probes/preview',
];

const isDocumentedRest = (url: string) =>
  url.startsWith('/api/v1/') || url === ENROLL_PATH || url === '/healthz';
const openapiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
const ERROR_FIELDS = ['statusCode', 'code', 'message'];

/** Builds the app while recording every route it registers (Fastify announces new instances on this channel). */
async function buildRecording(options: Parameters<typeof buildApp>[0]) {
  const routes: CollectedRoute[] = [];
  const onInit = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (route) => {
      for (const method of [route.method].flat())
        routes.push({ method, url: route.url, schema: route.schema });
    });
  };
  subscribe('fastify.initialization', onInit);
  try {
    return { app: await buildApp(options), routes };
  } finally {
    unsubscribe('fastify.initialization', onInit);
  }
}

describe('OpenAPI document and /docs', () => {
  const clock = fakeClock();
  const T0 = clock.now();
  let app: FastifyInstance;
  let routes: CollectedRoute[];
  let doc: OpenApiDocument;
  let deviceId: string;
  let admin: Session;

  beforeAll(async () => {
    ({ app, routes } = await buildRecording({
      enrollSecrets: [SECRET],
      dashboardDir: false,
      now: clock.now,
    }));
    ({ deviceId } = await enroll(app, 'hw-doc', 'rathaus-nb-07'));
    admin = await signIn(app);
    await app.store.ingestBatch(
      deviceId,
      [
        identity(1, T0 - 5_000, { hostname: 'RATHAUS-NB-07', serial: 'PF7DOC' }),
        vpn(2, T0 - 4_000, 'up'),
        securityKey(3, T0 - 3_000, true),
        health(4, T0 - 2_000),
        probe(5, T0 - 1_000, { phases: { totalMs: 120 } }),
      ],
      T0,
    );
    const res = await app.inject('/docs/json');
    expect(res.statusCode).toBe(200);
    doc = res.json() as OpenApiDocument;
  });
  afterAll(async () => {
    await app.close();
  });

  const operation = (method: string, url: string) => doc.paths[openapiPath(url)]?.[method.toLowerCase()];
  const rest = () => routes.filter((r) => r.method !== 'HEAD' && isDocumentedRest(r.url));

  it('is a valid OpenAPI 3.1 document with title, server version, protocol link and tags', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Lagebild API');
    expect(doc.info.version).toBe(SERVER_VERSION);
    expect(doc.info.description).toContain('docs/PROTOCOL.md');
    expect(doc.info.description).toContain(AGENT_WS_PATH);
    expect(doc.tags.map((t) => t.name)).toEqual(TAGS.map((t) => t.name));
  });

  it('documents every REST route under /api/v1, /v1/enroll and /healthz with request and response schemas', () => {
    const collected = rest().map((r) => `${r.method} ${r.url}`);
    expect(collected).toEqual(expect.arrayContaining(KNOWN));
    const operationIds = new Set<string>();
    const tagNames = TAGS.map((t) => t.name);

    for (const route of rest()) {
      const name = `${route.method} ${route.url}`;
      const op = operation(route.method, route.url);
      expect(op, name).toBeDefined();
      if (!op) continue;
      expect(op.summary, name).toBeTruthy();
      expect(op.operationId, name).toBeTruthy();
      expect(operationIds.has(op.operationId!), `${name}: operationId is unique`).toBe(false);
      operationIds.add(op.operationId!);
      expect(op.tags?.length, name).toBe(1);
      expect(tagNames, name).toContain(op.tags![0]);

      // the route itself declares what the document shows, so its answers are serialized by that schema
      const declared = Object.keys((route.schema?.response ?? {}) as object).sort();
      expect(Object.keys(op.responses).sort(), name).toEqual(declared);
      expect(
        declared.some((s) => s.startsWith('2')),
        `${name}: a success answer`,
      ).toBe(true);
      expect(
        declared.some((s) => s.startsWith('4') || s.startsWith('5')),
        `${name}: error answers`,
      ).toBe(true);
      for (const [status, response] of Object.entries(op.responses)) {
        expect(response.description, `${name} ${status}`).not.toBe('Default Response');
        if (status === '204') continue;
        const schema = response.content?.['application/json']?.schema as { required?: string[] } | undefined;
        expect(schema, `${name} ${status}: JSON schema`).toBeDefined();
        if (Number(status) >= 400 && route.url !== '/healthz')
          expect(schema?.required, `${name} ${status}: the shared error body`).toEqual(ERROR_FIELDS);
      }

      for (const param of route.url.match(/:\w+/g) ?? []) {
        const p = op.parameters?.find((x) => x.in === 'path' && x.name === param.slice(1));
        expect(p?.required, `${name}: path parameter ${param}`).toBe(true);
        expect(p?.schema, `${name}: path parameter ${param} schema`).toBeDefined();
      }

      if (WITH_BODY.includes(name)) {
        expect(op.requestBody?.content['application/json']?.schema, `${name}: body schema`).toBeDefined();
      } else {
        expect(op.requestBody, `${name}: no body`).toBeUndefined();
      }
    }

    const query = (method: string, url: string) =>
      operation(method, url)
        ?.parameters?.filter((p) => p.in === 'query')
        .map((p) => p.name);
    expect(query('GET', '/api/v1/devices')).toEqual(['q', 'limit', 'offset']);
    expect(query('GET', '/api/v1/apps/latency')).toEqual(['minutes', 'bucketSec']);
    expect(query('GET', '/api/v1/apps/stats')).toEqual(expect.arrayContaining(['minutes', 'groupBy']));
    // Fastify's body schemas are always "required" in @fastify/swagger; this one is not
    expect(operation('POST', '/api/v1/enroll-secrets')?.requestBody?.required).toBe(false);
    expect(operation('PUT', '/api/v1/config/probes')?.requestBody?.required).toBe(true);
  });

  it('lists nothing but real REST routes: no WebSockets, no dashboard files, no UI routes', () => {
    const registered = new Set(routes.map((r) => `${r.method} ${openapiPath(r.url)}`));
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) {
        expect(registered.has(`${method.toUpperCase()} ${path}`), `${method} ${path} exists`).toBe(true);
        expect(isDocumentedRest(path) || path === '/metrics', `${method} ${path}`).toBe(true);
      }
    }
    expect(routes.some((r) => r.url === AGENT_WS_PATH)).toBe(true);
    expect(doc.paths[AGENT_WS_PATH]).toBeUndefined();
    expect(doc.paths[LIVE_WS_PATH]).toBeUndefined();
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/docs'))).toBe(false);
  });

  it('serves Swagger UI at /docs from local files, and the document as YAML', async () => {
    for (const url of ['/docs', '/docs/']) {
      const page = await app.inject(url);
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('<title>Lagebild API</title>');
      const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(sources).toContain(
        url === '/docs' ? '/docs/static/swagger-ui-bundle.js' : './static/swagger-ui-bundle.js',
      );
      // nothing from a CDN: the UI must work on a network without internet access
      expect(sources.filter((s) => /^(https?:)?\/\//.test(s))).toEqual([]);
    }
    const bundle = await app.inject('/docs/static/swagger-ui-bundle.js');
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(bundle.body.length).toBeGreaterThan(100_000);
    const initializer = await app.inject('/docs/static/swagger-initializer.js');
    expect(initializer.body).toContain("resolveUrl('./json')");

    const yaml = await app.inject('/docs/yaml');
    expect(yaml.statusCode).toBe(200);
    expect(yaml.body).toMatch(/^openapi: 3\.1\.0$/m);
    expect(yaml.body).toContain('operationId: getFleet');
  });

  it('real answers, successes and errors, match the response schemas in the document', async () => {
    const calls: {
      method: 'GET' | 'POST' | 'PUT';
      url: string;
      route?: string;
      payload?: object;
      status: number;
    }[] = [
      { method: 'GET', url: '/api/v1/fleet', status: 200 },
      { method: 'GET', url: '/api/v1/devices?q=rathaus', route: '/api/v1/devices', status: 200 },
      { method: 'GET', url: '/api/v1/devices?limit=0', route: '/api/v1/devices', status: 400 },
      { method: 'GET', url: `/api/v1/devices/${deviceId}`, route: '/api/v1/devices/:id', status: 200 },
      { method: 'GET', url: '/api/v1/devices/dev_unknown', route: '/api/v1/devices/:id', status: 404 },
      { method: 'GET', url: '/api/v1/apps/latency?minutes=60', route: '/api/v1/apps/latency', status: 200 },
      { method: 'GET', url: '/api/v1/apps/stats?minutes=60', route: '/api/v1/apps/stats', status: 200 },
      { method: 'GET', url: '/api/v1/config/probes', status: 200 },
      {
        method: 'PUT',
        url: '/api/v1/config/probes',
        payload: {
          probes: [
            {
              id: 'gis',
              app: 'GIS',
              kind: 'tcp',
              target: 'gis.stadt.example:443',
              intervalSec: 30,
              timeoutMs: 3000,
            },
          ],
        },
        status: 200,
      },
      { method: 'PUT', url: '/api/v1/config/probes', payload: { probes: 'none' }, status: 400 },
      { method: 'POST', url: '/api/v1/enroll-secrets', payload: { label: 'Rollout' }, status: 201 },
      { method: 'GET', url: '/api/v1/enroll-secrets', status: 200 },
      {
        method: 'POST',
        url: `/api/v1/devices/${deviceId}/checks`,
        route: '/api/v1/devices/:id/checks',
        payload: { check: 'vpn' },
        status: 202,
      },
      {
        method: 'POST',
        url: '/api/v1/devices/dev_unknown/checks',
        route: '/api/v1/devices/:id/checks',
        payload: { check: 'vpn' },
        status: 404,
      },
      {
        method: 'POST',
        url: ENROLL_PATH,
        payload: { secret: SECRET, hardwareId: 'hw-doc-2', hostname: 'nb-2', protocol: PROTOCOL_VERSION },
        status: 200,
      },
      {
        method: 'POST',
        url: ENROLL_PATH,
        payload: { secret: 'wrong', hardwareId: 'hw-doc-3', hostname: 'nb-3', protocol: PROTOCOL_VERSION },
        status: 401,
      },
      { method: 'POST', url: ENROLL_PATH, payload: { secret: SECRET }, status: 400 },
      { method: 'GET', url: '/healthz', status: 200 },
      { method: 'GET', url: '/api/v1/auth/me', status: 200 },
      {
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { name: 'admin', password: 'wrong password' },
        status: 401,
      },
      { method: 'POST', url: '/api/v1/auth/login', payload: { name: 'admin' }, status: 400 },
    ];
    let commandId = '';
    for (const call of calls) {
      const res = await admin.inject({ method: call.method, url: call.url, payload: call.payload });
      const name = `${call.method} ${call.url}`;
      expect(res.statusCode, `${name}: ${res.body}`).toBe(call.status);
      const schema = operation(call.method, call.route ?? call.url)?.responses[String(call.status)]
        ?.content?.['application/json']?.schema;
      expect(schema, name).toBeDefined();
      const body: unknown = res.json();
      const [ok, errors] = Schema.Errors(schema as Schema.XSchema, body);
      expect(errors, `${name}: ${res.body}`).toEqual([]);
      expect(ok).toBe(true);
      if (call.url.endsWith('/checks') && res.statusCode === 202)
        commandId = (body as { commandId: string }).commandId;
    }

    // the session guard's refusals match the documented 401 and 403 answers of the routes they guard
    const viewer = await signIn(app, 'viewer');
    for (const [res, route, status] of [
      [await app.inject('/api/v1/fleet'), '/api/v1/fleet', 401],
      [await viewer.inject('/api/v1/enroll-secrets'), '/api/v1/enroll-secrets', 403],
    ] as const) {
      expect(res.statusCode).toBe(status);
      const schema = operation('GET', route)?.responses[String(status)]?.content?.['application/json']
        ?.schema;
      expect(Schema.Errors(schema as Schema.XSchema, res.json())[1], res.body).toEqual([]);
    }

    const command = await admin.inject(`/api/v1/commands/${commandId}`);
    expect(command.json()).toMatchObject({ id: commandId, deviceId, status: 'queued' });
    const commandSchema = operation('GET', '/api/v1/commands/:id')?.responses['200']?.content?.[
      'application/json'
    ]?.schema as Schema.XSchema;
    expect(Schema.Check(commandSchema, command.json())).toBe(true);
  });

  it('the response schemas in the document reject answers of the wrong shape', async () => {
    const fleetSchema = operation('GET', '/api/v1/fleet')?.responses['200']?.content?.['application/json']
      ?.schema as Schema.XSchema;
    const fleet = (await admin.inject('/api/v1/fleet')).json() as Record<string, unknown>;
    expect(Schema.Check(fleetSchema, fleet)).toBe(true);
    expect(Schema.Check(fleetSchema, { ...fleet, online: 'many' })).toBe(false);
    const { at: _at, ...withoutTimestamp } = fleet;
    expect(Schema.Check(fleetSchema, withoutTimestamp)).toBe(false);

    const errorSchema = operation('GET', '/api/v1/devices/:id')?.responses['404']?.content?.[
      'application/json'
    ]?.schema as Schema.XSchema;
    expect(
      Schema.Check(errorSchema, { statusCode: 404, code: 'LB_ERR_NOT_FOUND', message: 'Not found' }),
    ).toBe(true);
    expect(Schema.Check(errorSchema, { statusCode: 404, code: 'NOT_A_CODE', message: 'Not found' })).toBe(
      false,
    );
  });
});

describe('/docs next to the dashboard', () => {
  let app: FastifyInstance;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lagebild-docs-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Lagebild</title><p>LAGEBILD-DASHBOARD</p>');
    app = await buildApp({ dashboardDir: dir });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the SPA fallback does not swallow /docs, /docs/json or the UI files', async () => {
    // the fallback is active: a dashboard route gets the page
    expect((await app.inject('/geraete/dev_x')).body).toContain('LAGEBILD-DASHBOARD');

    const page = await app.inject('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui-bundle.js');
    expect(page.body).not.toContain('LAGEBILD-DASHBOARD');

    const json = await app.inject('/docs/json');
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.json()).toMatchObject({ openapi: '3.1.0', info: { title: 'Lagebild API' } });

    const css = await app.inject('/docs/static/swagger-ui.css');
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });
});
