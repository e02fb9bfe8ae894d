import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import './decorations.js';
import { errorHandler } from './http-errors.js';
import { type AppOptions, resolveOptions } from './options.js';
import agentGateway from './plugins/agent-gateway.js';
import adminApi from './plugins/api-admin.js';
import appsApi from './plugins/api-apps.js';
import configApi from './plugins/api-config.js';
import devicesApi from './plugins/api-devices.js';
import settingsApi from './plugins/api-settings.js';
import statsApi from './plugins/api-stats.js';
import usersApi from './plugins/api-users.js';
import auth from './plugins/auth.js';
import cluster from './plugins/cluster.js';
import dashboard from './plugins/dashboard.js';
import enroll from './plugins/enroll.js';
import health from './plugins/health.js';
import liveHub from './plugins/live-hub.js';
import maintenance from './plugins/maintenance.js';
import metrics from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import probeConfig from './plugins/probe-config.js';
import store from './plugins/store.js';
import websocket from './plugins/websocket.js';

export type { AppOptions } from './options.js';

/** Builds the Lagebild server from its plugins; call `listen()` on the result (the CLI does). */
export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const resolved = resolveOptions(options);
  const serverOptions: FastifyServerOptions & { https?: { cert: string | Buffer; key: string | Buffer } } = {
    logger: options.logger ?? false,
    // connects and REST polls are not worth a log line each; the plugins log what matters
    logController: new LogController({ disableRequestLogging: true }),
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
  };
  const app = Fastify(serverOptions) as unknown as FastifyInstance;
  try {
    app.decorate('lagebild', resolved);
    app.setErrorHandler(errorHandler);
    // first: it collects the routes registered after it into the OpenAPI document
    await app.register(openapi);
    await app.register(store, { store: options.store, dbPath: resolved.dbPath, pg: resolved.pg });
    await app.register(maintenance);
    await app.register(websocket);
    // before every route it guards, so its hooks see them all; after the websocket plugin, whose hooks
    // close the socket of a refused upgrade
    await app.register(auth);
    // before the agent gateway: whether other nodes run decides if a start may mark all devices offline
    await app.register(cluster);
    await app.register(liveHub);
    await app.register(probeConfig);
    await app.register(metrics);
    await app.register(agentGateway);
    await app.register(enroll);
    await app.register(devicesApi, { prefix: '/api/v1' });
    await app.register(appsApi, { prefix: '/api/v1' });
    await app.register(statsApi, { prefix: '/api/v1' });
    await app.register(configApi, { prefix: '/api/v1' });
    await app.register(adminApi, { prefix: '/api/v1' });
    await app.register(usersApi, { prefix: '/api/v1' });
    await app.register(settingsApi, { prefix: '/api/v1' });
    await app.register(health);
    await app.register(dashboard);
    await app.ready();
  } catch (e) {
    await app.close().catch(() => {});
    throw e;
  }
  return app;
}
