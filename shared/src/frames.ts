import Type, { type Static } from 'typebox';
import { ERROR_CODES, type ErrorCode } from './errors.js';
import { Observation, ObservationData, ProbeKind, Seq, Timestamp } from './observations.js';
import { MAX_BATCH_OBSERVATIONS } from './version.js';

const Str = (max = 256) => Type.String({ maxLength: max });
const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const ProtocolNumber = Type.Integer({ minimum: 1, maximum: 65535 });
const strict = { additionalProperties: false } as const;

/** What an agent can measure on this machine; unavailable ones carry the reason. */
export const Capability = Type.Object(
  { name: Str(64), available: Type.Boolean(), reason: Type.Optional(Str(512)) },
  strict,
);

/** One Fachverfahren probe target, configured centrally and pushed to agents. */
export const ProbeConfig = Type.Object(
  {
    id: Id,
    app: Str(128),
    kind: ProbeKind,
    /** URL for http, host:port for tcp; for dns a host name, or dns://server[:port]/name to ask one server. */
    target: Str(2048),
    intervalSec: Type.Integer({ minimum: 5, maximum: 86_400 }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000 }),
    /** http: accepted status codes (default: any 2xx or 3xx) */
    expectStatus: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { maxItems: 32 })),
    /** http: text the body must contain */
    expectBody: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** each run starts up to this share of the interval late, so a fleet does not probe in lock-step (default 0.1) */
    jitter: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** restrict to one IP version; default: whatever the resolver returns first */
    ipVersion: Type.Optional(Type.Union([Type.Literal(4), Type.Literal(6)])),
  },
  strict,
);

/** Collection intervals the server asks for. */
export const Intervals = Type.Object(
  {
    healthSec: Type.Integer({ minimum: 5, maximum: 86_400 }),
    vpnSec: Type.Integer({ minimum: 1, maximum: 3_600 }),
    securityKeySec: Type.Integer({ minimum: 1, maximum: 3_600 }),
  },
  strict,
);

/** Checks the server may ask an agent to run. Nothing else can be requested. */
export const CheckName = Type.Union([
  Type.Literal('checkNow'),
  Type.Literal('vpn'),
  Type.Literal('securityKey'),
  Type.Literal('probes'),
  Type.Literal('health'),
]);

// ---- agent → server ----

/** First frame on every connection: who is speaking, which protocol, what it can do. */
export const HelloFrame = Type.Object(
  {
    type: Type.Literal('hello'),
    protocol: ProtocolNumber,
    agentVersion: Str(64),
    deviceId: Id,
    token: Type.String({ minLength: 16, maxLength: 256 }),
    capabilities: Type.Array(Capability, { maxItems: 64 }),
    configVersion: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);

/** Observations in strictly increasing seq order. */
export const BatchFrame = Type.Object(
  {
    type: Type.Literal('batch'),
    observations: Type.Array(Observation, { minItems: 1, maxItems: MAX_BATCH_OBSERVATIONS }),
  },
  strict,
);

/** Progress or final result of a command; results are not spooled, they are for whoever is watching. */
export const CommandResultFrame = Type.Object(
  {
    type: Type.Literal('commandResult'),
    id: Id,
    status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
    results: Type.Array(ObservationData, { maxItems: 256 }),
    message: Type.Optional(Str(1024)),
  },
  strict,
);

// ---- server → agent ----

/** Answer to hello: the connection is accepted; `ackSeq` is the highest seq already stored for the device. */
export const WelcomeFrame = Type.Object(
  {
    type: Type.Literal('welcome'),
    protocol: ProtocolNumber,
    serverVersion: Str(64),
    deviceId: Id,
    ackSeq: Type.Integer({ minimum: 0 }),
    heartbeatSec: Type.Integer({ minimum: 1, maximum: 3_600 }),
    /** server clock when the frame was sent: lets agents estimate their clock offset */
    serverTime: Type.Optional(Timestamp),
  },
  strict,
);

/** Everything up to and including `seq` is committed; the agent may forget it. */
export const AckFrame = Type.Object(
  { type: Type.Literal('ack'), seq: Type.Integer({ minimum: 0 }), serverTime: Type.Optional(Timestamp) },
  strict,
);

export const ErrorCodeSchema = Type.Union(ERROR_CODES.map((c) => Type.Literal(c))) as Type.TSchema;

/** A coded error; `retryAfterMs` tells a client when to try again. */
export const ErrorFrame = Type.Object(
  {
    type: Type.Literal('error'),
    code: Type.String({ maxLength: 64, pattern: '^LB_ERR_[A-Z_]+$' }),
    message: Str(1024),
    retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);

/** Probe targets and intervals; the agent persists the newest version and keeps using it offline. */
export const ConfigFrame = Type.Object(
  {
    type: Type.Literal('config'),
    version: Type.Integer({ minimum: 0 }),
    probes: Type.Array(ProbeConfig, { maxItems: 256 }),
    intervals: Intervals,
  },
  strict,
);

/** Run one predefined check now; expires if not delivered in time. */
export const CommandFrame = Type.Object(
  {
    type: Type.Literal('command'),
    id: Id,
    check: CheckName,
    expiresAt: Timestamp,
  },
  strict,
);

export const AgentFrame = Type.Union([HelloFrame, BatchFrame, CommandResultFrame]);
export const ServerFrame = Type.Union([WelcomeFrame, AckFrame, ErrorFrame, ConfigFrame, CommandFrame]);

/** HTTP body of POST /v1/enroll. */
export const EnrollRequest = Type.Object(
  {
    secret: Type.String({ minLength: 1, maxLength: 256 }),
    /** Stable hardware identity (e.g. board serial + MAC hash); a reinstall keeps the same device. */
    hardwareId: Type.String({ minLength: 1, maxLength: 256 }),
    hostname: Str(255),
    protocol: ProtocolNumber,
  },
  strict,
);

export const EnrollResponse = Type.Object(
  { deviceId: Id, token: Type.String({ minLength: 16, maxLength: 256 }), protocol: ProtocolNumber },
  strict,
);

export type Capability = Static<typeof Capability>;
export type ProbeConfig = Static<typeof ProbeConfig>;
export type Intervals = Static<typeof Intervals>;
export type CheckName = Static<typeof CheckName>;
export type HelloFrame = Static<typeof HelloFrame>;
export type BatchFrame = Omit<Static<typeof BatchFrame>, 'observations'> & { observations: Observation[] };
export type CommandResultFrame = Static<typeof CommandResultFrame>;
export type WelcomeFrame = Static<typeof WelcomeFrame>;
export type AckFrame = Static<typeof AckFrame>;
export type ErrorFrame = Omit<Static<typeof ErrorFrame>, 'code'> & { code: ErrorCode };
export type ConfigFrame = Static<typeof ConfigFrame>;
export type CommandFrame = Static<typeof CommandFrame>;
export type AgentFrame = HelloFrame | BatchFrame | CommandResultFrame;
export type ServerFrame = WelcomeFrame | AckFrame | ErrorFrame | ConfigFrame | CommandFrame;
export type EnrollRequest = Static<typeof EnrollRequest>;
export type EnrollResponse = Static<typeof EnrollResponse>;
export { Seq };
