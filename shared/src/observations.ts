import Type, { type Static } from 'typebox';

/** Milliseconds since the Unix epoch (UTC). */
export const Timestamp = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
/** Per-device sequence number; starts at 1 and only ever increases. */
export const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Str = (max = 256) => Type.String({ maxLength: max });
const Ms = Type.Number({ minimum: 0, maximum: 86_400_000 });
const Pct = Type.Number({ minimum: 0, maximum: 100 });
const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const OsFamily = Type.Union([
  Type.Literal('windows'),
  Type.Literal('macos'),
  Type.Literal('linux'),
  Type.Literal('other'),
]);

/** Who the device is. Sent at start and whenever it changes (e.g. a rename). */
export const IdentityData = Type.Object(
  {
    kind: Type.Literal('identity'),
    hostname: Str(255),
    serial: Str(128),
    os: OsFamily,
    osVersion: Str(128),
    osBuild: Type.Optional(Str(128)),
    manufacturer: Type.Optional(Str(128)),
    model: Type.Optional(Str(128)),
    agentVersion: Str(64),
  },
  { additionalProperties: false },
);

export const VpnState = Type.Union([Type.Literal('up'), Type.Literal('degraded'), Type.Literal('down')]);

/** VPN tunnel state. `change` marks a transition (sent at once); otherwise it is a periodic heartbeat. */
export const VpnData = Type.Object(
  {
    kind: Type.Literal('vpn'),
    change: Type.Boolean(),
    state: VpnState,
    vendor: Nullable(Str(64)),
    interface: Nullable(Str(128)),
    addresses: Type.Array(Str(64), { maxItems: 32 }),
    since: Timestamp,
    /** the VPN concentrator this tunnel ends at (host name or address), when known */
    gateway: Type.Optional(Nullable(Str(255))),
    gatewayRttMs: Type.Optional(Nullable(Ms)),
    changesLastHour: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  },
  { additionalProperties: false },
);

export const SecurityKey = Type.Object(
  {
    vendor: Str(128),
    product: Str(128),
    vendorId: Type.Integer({ minimum: 0, maximum: 0xffff }),
    productId: Type.Integer({ minimum: 0, maximum: 0xffff }),
    /** e.g. FIDO, OTP, CCID: the USB interfaces the key exposes. */
    interfaces: Type.Array(Str(16), { maxItems: 8 }),
  },
  { additionalProperties: false },
);

/** Security-key (YubiKey / FIDO) presence. `available: false` means the agent cannot see USB HID devices. */
export const SecurityKeyData = Type.Object(
  {
    kind: Type.Literal('securityKey'),
    change: Type.Boolean(),
    available: Type.Boolean(),
    reason: Type.Optional(Str(512)),
    present: Type.Boolean(),
    keys: Type.Array(SecurityKey, { maxItems: 16 }),
  },
  { additionalProperties: false },
);

export const ProbeKind = Type.Union([Type.Literal('http'), Type.Literal('tcp'), Type.Literal('dns')]);

/** Why a probe failed; `null` when it succeeded. */
export const ProbeErrorClass = Type.Union([
  Type.Literal('dns'),
  Type.Literal('connect'),
  Type.Literal('refused'),
  Type.Literal('tls'),
  Type.Literal('timeout'),
  Type.Literal('http-status'),
  Type.Literal('protocol'),
  Type.Literal('other'),
]);

/**
 * Phase timings as cumulative milestones from the start of the probe, as curl reports them:
 * dnsMs ≤ connectMs ≤ tlsMs ≤ ttfbMs ≤ totalMs. The time spent in one phase is the difference.
 */
export const ProbePhases = Type.Object(
  {
    dnsMs: Type.Optional(Ms),
    connectMs: Type.Optional(Ms),
    tlsMs: Type.Optional(Ms),
    ttfbMs: Type.Optional(Ms),
    totalMs: Ms,
  },
  { additionalProperties: false },
);

/** One Fachverfahren probe result with phase timings. */
export const ProbeData = Type.Object(
  {
    kind: Type.Literal('probe'),
    probeId: Str(64),
    app: Str(128),
    probeKind: ProbeKind,
    target: Str(2048),
    ok: Type.Boolean(),
    errorClass: Nullable(ProbeErrorClass),
    errorMessage: Type.Optional(Str(512)),
    status: Type.Optional(Type.Integer({ minimum: 0, maximum: 999 })),
    phases: ProbePhases,
    certExpiresAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);

export const LinkType = Type.Union([
  Type.Literal('wifi'),
  Type.Literal('ethernet'),
  Type.Literal('mobile'),
  Type.Literal('other'),
  Type.Literal('none'),
]);

/** Device health numbers that explain slowness. */
export const HealthData = Type.Object(
  {
    kind: Type.Literal('health'),
    cpuPct: Pct,
    memPct: Pct,
    memTotalMb: Type.Optional(Type.Integer({ minimum: 0 })),
    diskFreePct: Type.Optional(Pct),
    batteryPct: Type.Optional(Nullable(Pct)),
    onAc: Type.Optional(Nullable(Type.Boolean())),
    link: LinkType,
    wifiSignalPct: Type.Optional(Nullable(Pct)),
    uptimeSec: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/** Things that happen to the agent itself. */
export const AgentEventData = Type.Object(
  {
    kind: Type.Literal('agent'),
    event: Type.Union([Type.Literal('started'), Type.Literal('stopping'), Type.Literal('resumed')]),
    detail: Type.Optional(Str(512)),
  },
  { additionalProperties: false },
);

/** What a collector produces, before it gets a sequence number. */
export const ObservationData = Type.Union([
  IdentityData,
  VpnData,
  SecurityKeyData,
  ProbeData,
  HealthData,
  AgentEventData,
]);

const DATA = [IdentityData, VpnData, SecurityKeyData, ProbeData, HealthData, AgentEventData] as const;

/** Adds the per-device sequence number and measurement time to one observation schema. */
const stamped = <P extends Type.TProperties>(data: Type.TObject<P>) =>
  Type.Object({ seq: Seq, ts: Timestamp, ...data.properties }, { additionalProperties: false });

/** An observation as sent: data plus per-device sequence number and measurement time. */
export const Observation = Type.Union([
  stamped(DATA[0]),
  stamped(DATA[1]),
  stamped(DATA[2]),
  stamped(DATA[3]),
  stamped(DATA[4]),
  stamped(DATA[5]),
]);

export type OsFamily = Static<typeof OsFamily>;
export type IdentityData = Static<typeof IdentityData>;
export type VpnState = Static<typeof VpnState>;
export type VpnData = Static<typeof VpnData>;
export type SecurityKey = Static<typeof SecurityKey>;
export type SecurityKeyData = Static<typeof SecurityKeyData>;
export type ProbeKind = Static<typeof ProbeKind>;
export type ProbeErrorClass = Static<typeof ProbeErrorClass>;
export type ProbePhases = Static<typeof ProbePhases>;
export type ProbeData = Static<typeof ProbeData>;
export type LinkType = Static<typeof LinkType>;
export type HealthData = Static<typeof HealthData>;
export type AgentEventData = Static<typeof AgentEventData>;
export type ObservationData = Static<typeof ObservationData>;
export type ObservationKind = ObservationData['kind'];
export type Observation = ObservationData & { seq: number; ts: number };
