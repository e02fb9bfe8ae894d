import type { Admission } from './admission/admission.js';
import type { AgentGateway } from './gateway/gateway.js';
import type { LiveHub } from './live/hub.js';
import type { ResolvedOptions } from './options.js';
import type { ClusterNode } from './plugins/cluster.js';
import type { ProbeConfigService } from './probe-config/service.js';
import type { Store } from './store/store.js';

// What the plugins add to the Fastify instance; declared once so every plugin sees the same shape.
declare module 'fastify' {
  interface FastifyInstance {
    /** resolved buildApp options */
    lagebild: ResolvedOptions;
    store: Store;
    live: LiveHub;
    probeConfig: ProbeConfigService;
    gateway: AgentGateway;
    /** the bus to the other server nodes sharing the store */
    cluster: ClusterNode;
    /** admission control of agent connections */
    admission: Admission;
  }
}
