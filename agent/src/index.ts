export { type AgentOptions, type RunningAgent, startAgent } from './agent.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { type Clock, type CollectOptions, type Collector, systemClock } from './collector.js';
export { HealthCollector, type HealthCollectorOptions, linkType } from './collectors/health.js';
export { type HttpProbeTls, httpProbe } from './collectors/http-probe.js';
export { hardwareId, IdentityCollector, osFamily, readIdentity } from './collectors/identity.js';
export { dnsProbe, ProbeCollector, tcpProbe } from './collectors/probe.js';
export { type HidApi, type HidLoader, loadNodeHid, SecurityKeyCollector } from './collectors/security-key.js';
export { type HidDevice, securityKeysFrom } from './collectors/security-key-detect.js';
export { VpnCollector, type VpnCollectorOptions } from './collectors/vpn.js';
export { classifyTunnel, detectTunnel, type TunnelInterface } from './collectors/vpn-detect.js';
export { collectorsFor, runCommand } from './commands.js';
export {
  DEFAULT_INTERVALS,
  type LocalConfig,
  loadLocalConfig,
  localConfigFrame,
  parseLocalConfig,
} from './config.js';
export { enroll, ensureEnrolled, serverEndpoint } from './enroll.js';
export { createLogger, type Logger, type LogLevel, silentLogger } from './log.js';
export { Outbox, type OutboxOptions } from './outbox.js';
export { type CollectorSet, defaultCollectors, Planner } from './plan.js';
export { type ScheduledCollector, Scheduler, type Sink, type Stamped } from './scheduler.js';
export { realSystemInfo, type SystemInfo } from './si.js';
export { formatSnapshot, type Snapshot, takeSnapshot } from './snapshot.js';
export { AgentState, type Credentials } from './state.js';
export { Transport, type TransportOptions } from './transport.js';
export { AGENT_VERSION } from './version.js';
