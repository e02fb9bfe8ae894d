export { type AgentOptions, type RunningAgent, startAgent } from './agent.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { ClockOffset } from './clock-offset.js';
export { type Clock, type CollectOptions, type Collector, systemClock } from './collector.js';
export { HealthCollector, type HealthCollectorOptions, linkType } from './collectors/health.js';
export { type HttpProbeOptions, type HttpProbeTls, httpProbe } from './collectors/http-probe.js';
export { hardwareId, IdentityCollector, osFamily, readIdentity } from './collectors/identity.js';
export {
  dnsProbe,
  ProbeCollector,
  type ProbeCollectorOptions,
  runProbe,
  tcpProbe,
} from './collectors/probe.js';
export {
  type HostLookup,
  type ResolvedAddress,
  resolverLookup,
  systemLookup,
} from './collectors/probe-resolve.js';
export { loadProbeTls } from './collectors/probe-tls.js';
export { RouteChecker, type RouteCheckerOptions } from './collectors/route-check.js';
export { probeHost, routeHosts } from './collectors/route-hosts.js';
export { type HidApi, type HidLoader, loadNodeHid, SecurityKeyCollector } from './collectors/security-key.js';
export { type HidDevice, securityKeysFrom, withUsbSerials } from './collectors/security-key-detect.js';
export { VpnCollector, type VpnCollectorOptions } from './collectors/vpn.js';
export {
  classifyTunnel,
  type DetectContext,
  detectTunnel,
  detectTunnels,
  KNOWN_VENDORS,
  type TunnelInterface,
} from './collectors/vpn-detect.js';
export { VpnStateTracker } from './collectors/vpn-state.js';
export { VENDOR, VENDOR_RULES } from './collectors/vpn-vendors.js';
export { type YubicoModel, yubicoModel } from './collectors/yubikey-models.js';
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
export { type CollectorSet, collectorTimeoutMs, defaultCollectors, Planner, type RawInputs } from './plan.js';
export { liveInputs, Recorder, recordSnapshot } from './record.js';
export {
  loadRecording,
  parseRecording,
  RAW_FORMAT,
  type RawRecording,
  ReplayFormatError,
  replayInputs,
  replaySnapshot,
} from './replay.js';
export {
  CollectorTimeoutError,
  DEFAULT_COLLECTOR_TIMEOUT_MS,
  type ScheduledCollector,
  Scheduler,
  type Sink,
  type Stamped,
  withTimeout,
} from './scheduler.js';
export { SelfUsage, type SelfUsageSample } from './self-usage.js';
export { realSystemInfo, type SystemInfo } from './si.js';
export { type Resume, SleepDetector, type SleepDetectorOptions } from './sleep.js';
export { formatSnapshot, type Snapshot, snapshotCollectors, takeSnapshot } from './snapshot.js';
export { DEFAULT_SPOOL, Spool, type SpoolLimits, type SpoolOptions, type SpoolStats } from './spool.js';
export { AgentState, type Credentials } from './state.js';
export { Transport, type TransportOptions } from './transport.js';
export { AGENT_VERSION } from './version.js';
