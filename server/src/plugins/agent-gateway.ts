import { AGENT_WS_PATH } from '@lagebild/shared';
import fp from 'fastify-plugin';
import { AgentGateway } from '../gateway/gateway.js';
import { AgentSession } from '../gateway/session.js';

/** Decorates `app.gateway` and serves the agents' WebSocket (hello → welcome + config → batches → acks). */
export default fp(
  async (app) => {
    const { now, heartbeatSec, helloTimeoutMs, commandTtlMs } = app.lagebild;
    const gateway = new AgentGateway({ store: app.store, config: app.probeConfig, now, commandTtlMs });
    app.decorate('gateway', gateway);

    // no agent is connected to a node that just started; a crash left some marked online
    const stale = await app.store.markAllOffline(now(), 'server restarted');
    if (stale > 0) app.log.info({ devices: stale }, 'devices marked offline after restart');

    app.get(AGENT_WS_PATH, { websocket: true }, (socket, request) => {
      new AgentSession(socket, {
        store: app.store,
        live: app.live,
        gateway,
        configFrame: () => app.probeConfig.frame(),
        now,
        heartbeatSec,
        helloTimeoutMs,
        log: request.log,
      }).start();
    });
  },
  {
    name: 'lagebild-agent-gateway',
    dependencies: ['lagebild-store', 'lagebild-live-hub', 'lagebild-probe-config', 'lagebild-websocket'],
  },
);
