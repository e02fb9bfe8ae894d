import fp from 'fastify-plugin';
import type { ClusterBus } from '../cluster/bus.js';
import { CommandRelay } from '../cluster/command-relay.js';
import { LiveRelay } from '../cluster/live-relay.js';
import { answerPings, othersRunning } from '../cluster/peers.js';
import { PgBus } from '../cluster/pg-bus.js';
import { SingleNodeBus } from '../cluster/single-node-bus.js';

/** How long a starting node listens for other nodes before it takes itself to be alone. */
const PEER_WAIT_MS = 500;

/** This node's place among the server nodes sharing its store. */
export interface ClusterNode {
  bus: ClusterBus;
  /** other nodes were running when this one started (their agents are connected: leave their devices online) */
  joined: boolean;
}

/**
 * Decorates `app.cluster` and connects this node to the others sharing its PostgreSQL: live events and
 * "check now" commands cross nodes over LISTEN/NOTIFY. On SQLite the node is alone and nothing is relayed.
 */
export default fp(
  async (app) => {
    const o = app.lagebild;
    const bus =
      o.bus ?? (o.pg ? new PgBus({ url: o.pg.url, schema: o.pg.schema, log: app.log }) : new SingleNodeBus());
    await bus.start();
    const stopAnswering = answerPings(bus, (err) =>
      app.log.warn({ err }, 'cluster bus: answering a ping failed'),
    );
    let joined: boolean;
    try {
      joined = await othersRunning(bus, PEER_WAIT_MS);
    } catch (e) {
      stopAnswering();
      await bus.close();
      throw e;
    }
    if (bus.shared) app.log.info({ nodeId: bus.nodeId, joined }, 'cluster bus listening');
    app.decorate('cluster', { bus, joined } satisfies ClusterNode);

    let live: LiveRelay | undefined;
    let commands: CommandRelay | undefined;
    app.addHook('onReady', async () => {
      if (!bus.shared) return;
      live = new LiveRelay({ bus, hub: app.live, log: app.log });
      live.start();
      const relay = new CommandRelay({
        bus,
        gateway: app.gateway,
        store: app.store,
        now: o.now,
        log: app.log,
        waitMs: o.commandRelayWaitMs,
      });
      relay.start();
      commands = relay;
      app.gateway.useCluster({
        deliverElsewhere: (deviceId, frame) => relay.deliverElsewhere(deviceId, frame),
        devicesStopped: (ids) => {
          for (const id of ids) app.live.deviceChanged(id);
        },
      });
    });
    app.addHook('onClose', async () => {
      stopAnswering();
      commands?.close();
      // the offline state of this node's devices (recorded at shutdown) still reaches the other nodes
      await live?.close();
      await bus.close();
    });
  },
  { name: 'lagebild-cluster', dependencies: ['lagebild-store'] },
);
