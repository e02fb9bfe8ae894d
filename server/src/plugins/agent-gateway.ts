import { AGENT_WS_PATH, ERRORS, encodeFrame, errorFrame } from '@lagebild/shared';
import fp from 'fastify-plugin';
import { Admission } from '../admission/admission.js';
import { AgentGateway } from '../gateway/gateway.js';
import { AgentSession } from '../gateway/session.js';

/**
 * Decorates `app.gateway` and `app.admission` and serves the agents' WebSocket
 * (hello → welcome + config + queued commands → batches → acks).
 */
export default fp(
  async (app) => {
    const o = app.lagebild;
    const { now } = o;
    const gateway = new AgentGateway({
      store: app.store,
      config: app.probeConfig,
      now,
      commandTtlMs: o.commandTtlMs,
    });
    app.decorate('gateway', gateway);
    const admission = new Admission({
      connectRatePerSec: o.connectRatePerSec,
      connectBurst: o.connectBurst,
      maxPendingHellos: o.maxPendingHellos,
      retryWindowMs: o.retryWindowMs,
    });
    app.decorate('admission', admission);

    // no agent is connected to a node that just started (unless other nodes run); a crash left some marked online
    const stale = app.cluster.joined ? 0 : await app.store.markAllOffline(now(), 'server restarted');
    if (stale > 0) app.log.info({ devices: stale }, 'devices marked offline after restart');

    app.get(AGENT_WS_PATH, { websocket: true }, (socket, request) => {
      const admit = admission.admit();
      if (!admit.ok) {
        // refused before any hello work: one small frame, then 1013 "try again later"
        request.log.debug({ retryAfterMs: admit.retryAfterMs }, 'agent connection refused: busy');
        socket.send(encodeFrame(errorFrame('LB_ERR_SERVER_BUSY', admit.reason, admit.retryAfterMs)));
        socket.close(ERRORS.LB_ERR_SERVER_BUSY.close, 'LB_ERR_SERVER_BUSY');
        return;
      }
      new AgentSession(socket, {
        store: app.store,
        live: app.live,
        gateway,
        configFrame: () => app.probeConfig.frame(),
        now,
        heartbeatSec: o.heartbeatSec,
        helloTimeoutMs: o.helloTimeoutMs,
        log: request.log,
        frameRatePerSec: o.agentFrameRatePerSec,
        frameBurst: o.agentFrameBurst,
        maxQueuedFrames: o.maxQueuedFrames,
        maxBufferedBytes: o.maxBufferedBytes,
        releaseAdmission: admit.release,
        metrics: app.metrics,
      }).start();
    });
  },
  {
    name: 'lagebild-agent-gateway',
    dependencies: [
      'lagebild-store',
      'lagebild-live-hub',
      'lagebild-probe-config',
      'lagebild-websocket',
      'lagebild-cluster',
    ],
  },
);
