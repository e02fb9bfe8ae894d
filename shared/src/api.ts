import Type, { type Static } from 'typebox';
import { Capability } from './frames.js';
import {
  HealthData,
  OsFamily,
  ProbeErrorClass,
  ProbeKind,
  ProbePhases,
  RouteCheck,
  SecurityKey,
  Timestamp,
} from './observations.js';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** VPN state as the server knows it; `unknown` until the device has reported one. */
export const DeviceVpnState = Type.Union([
  Type.Literal('up'),
  Type.Literal('degraded'),
  Type.Literal('down'),
  Type.Literal('unknown'),
]);

/** GET /api/v1/fleet: the counts the fleet overview shows. */
export const FleetCounts = Type.Object({
  devices: Type.Integer(),
  online: Type.Integer(),
  vpn: Type.Object({
    up: Type.Integer(),
    degraded: Type.Integer(),
    down: Type.Integer(),
    unknown: Type.Integer(),
  }),
  securityKeyPresent: Type.Integer(),
  at: Timestamp,
});

/** One row of a device list: enough for tables and search results. */
export const DeviceSummary = Type.Object({
  id: Type.String(),
  hostname: Type.String(),
  serial: Type.String(),
  os: Nullable(OsFamily),
  osVersion: Nullable(Type.String()),
  agentVersion: Nullable(Type.String()),
  online: Type.Boolean(),
  lastSeen: Nullable(Timestamp),
  vpn: Type.Object({
    state: DeviceVpnState,
    vendor: Nullable(Type.String()),
    gateway: Nullable(Type.String()),
    since: Nullable(Timestamp),
  }),
  securityKey: Type.Object({
    /** null when the agent cannot see security keys on this machine */
    present: Nullable(Type.Boolean()),
    model: Nullable(Type.String()),
  }),
  /** site and organisational unit from the agent's installation settings */
  site: Nullable(Type.String()),
  orgUnit: Nullable(Type.String()),
});

export const DeviceEvent = Type.Object({
  ts: Timestamp,
  kind: Type.String(),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  detail: Nullable(Type.String()),
});

export const LatestProbe = Type.Object({
  probeId: Type.String(),
  app: Type.String(),
  probeKind: ProbeKind,
  target: Type.String(),
  ts: Timestamp,
  ok: Type.Boolean(),
  errorClass: Nullable(ProbeErrorClass),
  status: Nullable(Type.Integer()),
  phases: ProbePhases,
});

/** GET /api/v1/devices/:id */
export const DeviceDetail = Type.Object({
  ...DeviceSummary.properties,
  enrolledAt: Timestamp,
  lastSeq: Type.Integer(),
  identity: Type.Object({
    manufacturer: Nullable(Type.String()),
    model: Nullable(Type.String()),
    osBuild: Nullable(Type.String()),
  }),
  vpnDetail: Type.Object({
    interface: Nullable(Type.String()),
    addresses: Type.Array(Type.String()),
    gatewayRttMs: Nullable(Type.Number()),
    gatewayReachable: Nullable(Type.Boolean()),
    changesLastHour: Nullable(Type.Integer()),
    routes: Type.Array(RouteCheck),
  }),
  securityKeys: Type.Array(SecurityKey),
  capabilities: Type.Array(Capability),
  health: Nullable(Type.Object({ ...HealthData.properties, ts: Timestamp })),
  probes: Type.Array(LatestProbe),
  events: Type.Array(DeviceEvent),
});

/** GET /api/v1/devices?q= */
export const DeviceList = Type.Object({
  total: Type.Integer(),
  devices: Type.Array(DeviceSummary),
});

/** One time bucket of one application's latency. */
export const LatencyPoint = Type.Object({
  t: Timestamp,
  count: Type.Integer(),
  errors: Type.Integer(),
  avgMs: Nullable(Type.Number()),
  maxMs: Nullable(Type.Number()),
});

/** GET /api/v1/apps/latency?minutes=&bucketSec= */
export const AppLatency = Type.Object({
  bucketSec: Type.Integer(),
  apps: Type.Array(Type.Object({ app: Type.String(), points: Type.Array(LatencyPoint) })),
});

/** What latency statistics are grouped by: the whole fleet, VPN gateway, site, org unit, or device. */
export const GroupKind = Type.Union([
  Type.Literal('all'),
  Type.Literal('gateway'),
  Type.Literal('site'),
  Type.Literal('orgUnit'),
  Type.Literal('device'),
]);

/** Latency statistics of one time bucket, from summed histogram buckets (p* within 2 %). */
export const StatsPoint = Type.Object({
  /** bucket start (epoch ms) */
  t: Timestamp,
  /** probe runs, failed ones included */
  count: Type.Integer(),
  errors: Type.Integer(),
  /** over answered runs only; null when none answered */
  p50Ms: Nullable(Type.Number()),
  p95Ms: Nullable(Type.Number()),
  p99Ms: Nullable(Type.Number()),
  avgMs: Nullable(Type.Number()),
  minMs: Nullable(Type.Number()),
  maxMs: Nullable(Type.Number()),
  /** failed runs by error class (groups only, not per device) */
  errorClasses: Type.Optional(Type.Record(Type.String(), Type.Integer())),
  /**
   * mean phase milestones of answered runs, each from the start of the run (groups only): name
   * resolved, connected, TLS done, first byte; null when no run measured that phase
   */
  phases: Type.Optional(
    Type.Object({
      dnsMs: Nullable(Type.Number()),
      connectMs: Nullable(Type.Number()),
      tlsMs: Nullable(Type.Number()),
      ttfbMs: Nullable(Type.Number()),
    }),
  ),
});

/** One Fachverfahren in one group over time. */
export const StatsSeries = Type.Object({
  app: Type.String(),
  /** the group's value: gateway host, site, org unit, device id; '' for kind 'all' and for devices without one */
  group: Type.String(),
  points: Type.Array(StatsPoint),
});

/** GET /api/v1/apps/stats: percentiles per Fachverfahren and group, from rollups. */
export const LatencyStats = Type.Object({
  groupBy: GroupKind,
  from: Timestamp,
  to: Timestamp,
  /** bucket width; equals the range when one total per series was asked for */
  bucketSec: Type.Integer(),
  /** rollup resolution the answer was computed from */
  resolution: Type.Union([Type.Literal('minute'), Type.Literal('hour')]),
  series: Type.Array(StatsSeries),
});

export type GroupKind = Static<typeof GroupKind>;
export type StatsPoint = Static<typeof StatsPoint>;
export type StatsSeries = Static<typeof StatsSeries>;
export type LatencyStats = Static<typeof LatencyStats>;
export type DeviceVpnState = Static<typeof DeviceVpnState>;
export type FleetCounts = Static<typeof FleetCounts>;
export type DeviceSummary = Static<typeof DeviceSummary>;
export type DeviceEvent = Static<typeof DeviceEvent>;
export type LatestProbe = Static<typeof LatestProbe>;
export type DeviceDetail = Static<typeof DeviceDetail>;
export type DeviceList = Static<typeof DeviceList>;
export type LatencyPoint = Static<typeof LatencyPoint>;
export type AppLatency = Static<typeof AppLatency>;
