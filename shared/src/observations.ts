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
    /** site (building, branch office) the notebook belongs to, as set at installation; groups statistics */
    site: Type.Optional(Str(128)),
    /** organisational unit (Amt, Fachbereich) as set at installation; groups statistics */
    orgUnit: Type.Optional(Str(128)),
  },
  { additionalProperties: false },
);

/** Where the route to one Fachverfahren host leaves the notebook. */
export const RouteCheck = Type.Object(
  {
    host: Str(255),
    /** null when the route could not be determined (no route tool, name did not resolve) */
    viaTunnel: Nullable(Type.Boolean()),
    interface: Type.Optional(Nullable(Str(128))),
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
    /** whether the configured gateway / check address answered; absent when none is configured */
    gatewayReachable: Type.Optional(Nullable(Type.Boolean())),
    changesLastHour: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    /** for each configured Fachverfahren host: does its route go through the tunnel */
    routes: Type.Optional(Type.Array(RouteCheck, { maxItems: 256 })),
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
    /** model family, e.g. "YubiKey 5 NFC", when the product id tells it */
    model: Type.Optional(Str(128)),
    serial: Type.Optional(Str(64)),
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
  /** name did not resolve */
  Type.Literal('dns'),
  /** resolver did not answer in time */
  Type.Literal('dns-timeout'),
  /** connection failed (unreachable, reset) */
  Type.Literal('connect'),
  /** connection refused */
  Type.Literal('refused'),
  /** connection not established in time */
  Type.Literal('connect-timeout'),
  /** TLS handshake failed */
  Type.Literal('tls'),
  /** certificate not trusted, wrong name or not yet valid */
  Type.Literal('cert-invalid'),
  /** certificate expired */
  Type.Literal('cert-expired'),
  /** no complete answer within the timeout */
  Type.Literal('timeout'),
  /** status other than expected */
  Type.Literal('http-status'),
  /** body lacks the expected text */
  Type.Literal('body-mismatch'),
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
    /** IP version the probe connected over */
    ipVersion: Type.Optional(Type.Union([Type.Literal(4), Type.Literal(6)])),
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
    charging: Type.Optional(Nullable(Type.Boolean())),
    /** remaining capacity against design capacity */
    batteryHealthPct: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 200 }))),
    link: LinkType,
    wifiSignalPct: Type.Optional(Nullable(Pct)),
    wifiSignalDbm: Type.Optional(Nullable(Type.Number({ minimum: -150, maximum: 0 }))),
    linkSpeedMbps: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1_000_000 }))),
    uptimeSec: Type.Integer({ minimum: 0 }),
    /** local clock minus server clock, estimated from welcome/ack round trips */
    clockOffsetMs: Type.Optional(Nullable(Type.Number({ minimum: -1e12, maximum: 1e12 }))),
    /** the agent's own footprint */
    agentCpuPct: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000 })),
    agentRssMb: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

/** Things that happen to the agent itself. */
export const AgentEventData = Type.Object(
  {
    kind: Type.Literal('agent'),
    event: Type.Union([
      Type.Literal('started'),
      Type.Literal('stopping'),
      Type.Literal('resumed'),
      Type.Literal('collector-failed'),
      Type.Literal('spool-dropped'),
    ]),
    detail: Type.Optional(Str(512)),
    /** for `resumed`: how long the notebook slept */
    sleptMs: Type.Optional(Type.Integer({ minimum: 0 })),
    /** for `collector-failed`: which collector threw or hung */
    collector: Type.Optional(Str(64)),
    /** for `spool-dropped`: observations thinned or dropped since the last report, by kind */
    dropped: Type.Optional(Type.Record(Type.String({ maxLength: 32 }), Type.Integer({ minimum: 0 }))),
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
export type RouteCheck = Static<typeof RouteCheck>;
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
