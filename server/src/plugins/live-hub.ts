import { LIVE_WS_PATH } from '@lagebild/shared';
import fp from 'fastify-plugin';
import WebSocket from 'ws';
import { allowedRoles } from '../auth/permissions.js';
import { commandResultMessage, parseClientMessage } from '../live/client-messages.js';
import { LiveHub } from '../live/hub.js';

/** A dashboard that cannot keep up is dropped rather than letting its backlog grow without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Decorates `app.live` and serves the dashboards' live WebSocket: a snapshot, then coalesced changes. */
export default fp(
  async (app) => {
    const hub = new LiveHub({
      store: app.store,
      now: app.lagebild.now,
      flushMs: app.lagebild.liveFlushMs,
      onError: (err) => app.log.error({ err }, 'live push failed'),
    });
    app.decorate('live', hub);
    app.addHook('onReady', async () => {
      await hub.init();
    });
    app.addHook('onClose', async () => {
      hub.close();
    });

    app.get(LIVE_WS_PATH, { websocket: true }, async (socket, request) => {
      const send = (text: string) => {
        if (socket.readyState !== WebSocket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return socket.terminate();
        socket.send(text);
      };
      // changes that happen while the snapshot is read are held back and sent after it
      let backlog: string[] | null = [];
      const unsubscribe = hub.subscribe((text) => (backlog ? backlog.push(text) : send(text)));
      socket.on('close', unsubscribe);

      // command results go only to dashboards showing that device, and only to roles that may open it
      const role = request.user?.role;
      const mayWatch = role !== undefined && allowedRoles('GET', '/api/v1/devices/:id').includes(role);
      let watching: string | null = null;
      socket.on('message', (data, isBinary) => {
        const message = isBinary ? null : parseClientMessage(data.toString());
        if (message?.type === 'watch') watching = mayWatch ? message.deviceId : null;
      });
      const stopResults = hub.onCommandResult((event) => {
        if (watching === event.deviceId)
          send(JSON.stringify(commandResultMessage(event, app.lagebild.now())));
      });
      socket.on('close', stopResults);
      try {
        send(JSON.stringify(await hub.snapshot()));
      } catch (err) {
        app.log.error({ err }, 'live snapshot failed');
        unsubscribe();
        return socket.close(1011, 'LB_ERR_STORE_FAILED');
      }
      for (const text of backlog) send(text);
      backlog = null;
    });
  },
  { name: 'lagebild-live-hub', dependencies: ['lagebild-store', 'lagebild-websocket'] },
);
