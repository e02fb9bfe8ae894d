import websocket from '@fastify/websocket';
import { MAX_FRAME_BYTES } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Headroom above the protocol limit: frames up to here reach the codec, which answers
 * LB_ERR_FRAME_TOO_LARGE with a coded error frame; larger ones are cut off by ws itself (close 1009).
 */
export const WS_MAX_PAYLOAD = MAX_FRAME_BYTES + 64 * 1024;

/** Sockets that ignore the close handshake are cut after this long, so shutdown never hangs. */
const CLOSE_GRACE_MS = 1000;

/** @fastify/websocket with the protocol's payload limit and an ordered shutdown. */
export default fp(
  async (app: FastifyInstance) => {
    await app.register(websocket, {
      options: { maxPayload: WS_MAX_PAYLOAD },
      preClose: async function preClose(this: FastifyInstance) {
        // agents first: their devices are recorded offline while the store is still open
        if (this.hasDecorator('gateway')) await this.gateway.stop();
        for (const client of this.websocketServer.clients) {
          client.close(1001, 'server shutting down');
          setTimeout(() => client.terminate(), CLOSE_GRACE_MS).unref();
        }
        await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
      },
    });
  },
  { name: 'lagebild-websocket' },
);
