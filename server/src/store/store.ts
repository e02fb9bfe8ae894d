import type {
  AppLatency,
  Capability,
  CheckName,
  DeviceDetail,
  DeviceList,
  DeviceSummary,
  DeviceVpnState,
  FleetCounts,
  Intervals,
  LatencyStats,
  LiveProbeSample,
  Observation,
  ProbeConfig,
} from '@lagebild/shared';
import type { Role } from '../auth/roles.js';
import type { RetentionPolicy, StatsQuery } from './rollup.js';

export type { RetentionPolicy, StatsQuery } from './rollup.js';

/** What enrollment hands to the store: the token is already hashed. */
export interface EnrollInput {
  /** id to use when the hardware id is new */
  newDeviceId: string;
  hardwareId: string;
  hostname: string;
  tokenHash: string;
  now: number;
}

export interface EnrollResult {
  deviceId: string;
  /** false when the hardware id was known: the device keeps its id and gets a new token */
  created: boolean;
}

/** Credentials and progress of one device, read when an agent says hello. */
export interface DeviceAuth {
  deviceId: string;
  tokenHash: string;
  lastSeq: number;
}

export interface OnlineInput {
  now: number;
  capabilities: Capability[];
  agentVersion: string;
}

/** Outcome of one committed batch. */
export interface IngestResult {
  /** highest seq stored for the device: what the agent may forget */
  ackSeq: number;
  /** observations stored by this call (0 for a resent batch) */
  stored: number;
  /** true when a field shown in a DeviceSummary changed (last-seen alone does not count) */
  summaryChanged: boolean;
  /** probe samples stored by this call, for live push and metrics */
  samples: LiveProbeSample[];
  /** the device's groups after the batch ('' = none), for metrics labels */
  groups: { gateway: string; site: string; orgUnit: string };
}

/** What one run of the rollup job did. */
export interface RollupResult {
  /** raw samples folded into rollups by this call */
  samples: number;
  /** false when more samples wait than one call folds (call again) */
  caughtUp: boolean;
}

/** Rows removed by one retention run, per kind of data. */
export interface RetentionResult {
  raw: number;
  minute: number;
  hour: number;
  events: number;
}

/** Fleet aggregates for /metrics: counts only, never per device. */
export interface FleetMetrics {
  devices: number;
  online: number;
  /** devices per VPN gateway ('' = none reported) and state */
  vpn: { gateway: string; state: DeviceVpnState; devices: number }[];
  securityKey: { present: number; absent: number; unknown: number };
}

export interface DeviceQuery {
  /** case-insensitive substring of hostname or serial */
  q?: string;
  limit: number;
  offset: number;
}

export interface LatencyQuery {
  from: number;
  to: number;
  bucketSec: number;
}

/** The probe targets and intervals agents run with; `version` increases with every change. */
export interface StoredProbeConfig {
  version: number;
  probes: ProbeConfig[];
  intervals: Intervals;
  updatedAt: number | null;
}

/** An enrollment secret as an admin sees it: never the secret itself, only its id and use. */
export interface EnrollSecretInfo {
  id: string;
  label: string;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  uses: number;
}

export interface NewEnrollSecret {
  id: string;
  label: string;
  secretHash: string;
  now: number;
}

/** queued → sent → running → done/failed; a queued command past its expiry reads as expired. */
export type CommandStatus = 'queued' | 'sent' | 'running' | 'done' | 'failed' | 'expired';

/** One "check now" command and what became of it. */
export interface StoredCommand {
  id: string;
  deviceId: string;
  check: CheckName;
  createdAt: number;
  expiresAt: number;
  deliveredAt: number | null;
  status: CommandStatus;
  message: string | null;
  updatedAt: number;
}

export interface NewCommand {
  id: string;
  deviceId: string;
  check: CheckName;
  now: number;
  expiresAt: number;
}

/** A dashboard user as the API and the CLI show it (never the password hash). */
export interface UserInfo {
  id: number;
  name: string;
  role: Role;
  createdAt: number;
}

/** A user with the stored password hash, for the login check only. */
export interface StoredUser extends UserInfo {
  passwordHash: string;
}

export interface NewUser {
  name: string;
  role: Role;
  /** `scrypt$…` from auth/password.ts */
  passwordHash: string;
  now: number;
}

/** A new dashboard session; only the SHA-256 of its id is stored. */
export interface NewSession {
  idHash: string;
  userId: number;
  now: number;
  /** end of the session however active it is (absolute lifetime) */
  expiresAt: number;
  /** end of the session unless it is used before (idle lifetime) */
  idleExpiresAt: number;
}

/**
 * Everything the server keeps. Methods are async so that a PostgreSQL engine can implement the same
 * interface; the SQLite engine answers synchronously inside.
 */
export interface Store {
  /** Creates a device or, for a known hardware id, replaces its token (reinstall never duplicates). */
  enrollDevice(input: EnrollInput): Promise<EnrollResult>;
  /** Credentials for a hello check; null for an unknown device. */
  deviceAuth(deviceId: string): Promise<DeviceAuth | null>;
  /** Marks a device connected, stores its capabilities and records an 'agent' event 'online'. */
  markOnline(deviceId: string, input: OnlineInput): Promise<void>;
  /** Marks a device disconnected and records an 'agent' event 'offline'. */
  markOffline(deviceId: string, now: number, detail?: string): Promise<void>;
  /** Marks every device offline (server start); returns how many were online. */
  markAllOffline(now: number, detail: string): Promise<number>;
  /** Stores a batch exactly once in one transaction; seqs already stored are skipped. */
  ingestBatch(deviceId: string, observations: Observation[], receivedAt: number): Promise<IngestResult>;

  fleetCounts(now: number): Promise<FleetCounts>;
  listDevices(query: DeviceQuery): Promise<DeviceList>;
  deviceSummaries(ids?: string[]): Promise<DeviceSummary[]>;
  deviceDetail(deviceId: string, eventLimit: number): Promise<DeviceDetail | null>;
  appLatency(query: LatencyQuery): Promise<AppLatency>;
  /**
   * p50/p95/p99, count, errors, avg/min/max per Fachverfahren and group from the rollups (never raw
   * samples): whole fleet, per gateway/site/org unit, or per device for the given device ids.
   */
  latencyStats(query: StatsQuery): Promise<LatencyStats>;
  fleetMetrics(): Promise<FleetMetrics>;

  /**
   * Folds raw samples stored since the last call into the minute and hour rollups (at most `limit`
   * samples per call). Safe to call from several server nodes at once: one folds, the others return 0.
   */
  rollup(limit?: number): Promise<RollupResult>;
  /** Deletes data past its retention as of `now`; raw samples only once they are folded. */
  applyRetention(now: number, policy: RetentionPolicy): Promise<RetentionResult>;

  /** Newest stored probe config, or null when none was ever stored. */
  probeConfig(): Promise<StoredProbeConfig | null>;
  /** Stores a new probe config version (previous version + 1). */
  saveProbeConfig(probes: ProbeConfig[], intervals: Intervals, now: number): Promise<StoredProbeConfig>;

  /** Stores an enrollment secret (hashed); an existing hash is kept as it is (a revoked one stays revoked). */
  addEnrollSecret(input: NewEnrollSecret): Promise<{ info: EnrollSecretInfo; created: boolean }>;
  listEnrollSecrets(): Promise<EnrollSecretInfo[]>;
  /** Revokes a secret; false when the id is unknown or already revoked. */
  revokeEnrollSecret(id: string, now: number): Promise<boolean>;
  /** Id of the active secret with this hash, counting the use; null when none matches. */
  useEnrollSecret(secretHash: string, now: number): Promise<string | null>;
  /** Revokes a device's token (history is kept); false when the device is unknown. */
  revokeDevice(deviceId: string, now: number): Promise<boolean>;

  /** Records a queued command. */
  addCommand(input: NewCommand): Promise<StoredCommand>;
  /** Queued commands of a device that have not expired, oldest first. */
  pendingCommands(deviceId: string, now: number): Promise<StoredCommand[]>;
  /** Claims a queued command for sending (stamps it sent); false when it was claimed already. */
  commandDelivered(id: string, now: number): Promise<boolean>;
  /** Puts a claimed command back in the queue when the connection closed before it left. */
  commandRequeued(id: string, now: number): Promise<void>;
  /** Records an agent's commandResult; false when the command is not this device's. */
  commandResult(
    deviceId: string,
    id: string,
    status: 'running' | 'done' | 'failed',
    message: string | null,
    now: number,
  ): Promise<boolean>;
  command(id: string, now: number): Promise<StoredCommand | null>;

  /** Creates a user; null when the name is taken (names are unique without regard to case). */
  addUser(input: NewUser): Promise<UserInfo | null>;
  /** The user with this name (any case), with the password hash; null when unknown. */
  userByName(name: string): Promise<StoredUser | null>;
  /** Every user, ordered by name. */
  listUsers(): Promise<UserInfo[]>;
  /** Replaces the password hash and ends the user's sessions; false for an unknown user. */
  setUserPassword(name: string, passwordHash: string): Promise<boolean>;
  /** Gives the user another role (open sessions follow at once); null for an unknown user. */
  setUserRole(name: string, role: Role): Promise<UserInfo | null>;
  /** Removes the user and their sessions; false for an unknown user. */
  removeUser(name: string): Promise<boolean>;
  createSession(input: NewSession): Promise<void>;
  /**
   * The user of a live session, extending its idle lifetime to `idleExpiresAt` (never beyond the
   * absolute one); null when the session is unknown or expired as of `now`.
   */
  touchSession(idHash: string, now: number, idleExpiresAt: number): Promise<UserInfo | null>;
  /** Whether a session is live as of `now`, without extending it (re-checks of open live sockets). */
  sessionAlive(idHash: string, now: number): Promise<boolean>;
  /** Ends a session (logout); unknown ids are ignored. */
  deleteSession(idHash: string): Promise<void>;
  /** Removes sessions expired as of `now` (retention); returns how many. */
  deleteExpiredSessions(now: number): Promise<number>;

  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
