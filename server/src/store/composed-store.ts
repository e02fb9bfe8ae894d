import type { RollupResult, Store } from './store.js';

/** A Store method as an engine's part implements it: synchronously (SQLite) or not (PostgreSQL). */
type Part<F> = F extends (...args: infer A) => Promise<infer R> ? (...args: A) => R | Promise<R> : never;

/** The Store methods the engines implement in parts; the rest each engine class has itself. */
type PartName = Exclude<keyof Store, 'rollup' | 'applyRetention' | 'ping' | 'close'>;

export type StoreParts = { [K in PartName]: Part<Store[K]> };

export type DeviceParts = Pick<
  StoreParts,
  | 'enrollDevice'
  | 'deviceAuth'
  | 'markOnline'
  | 'markOffline'
  | 'markAllOffline'
  | 'probeConfig'
  | 'saveProbeConfig'
>;
export type QueryParts = Pick<StoreParts, 'fleetCounts' | 'listDevices' | 'deviceSummaries' | 'deviceDetail'>;
export type StatsParts = Pick<StoreParts, 'appLatency' | 'latencyStats' | 'fleetMetrics'>;
export type AdminParts = Pick<
  StoreParts,
  | 'addEnrollSecret'
  | 'listEnrollSecrets'
  | 'revokeEnrollSecret'
  | 'useEnrollSecret'
  | 'revokeDevice'
  | 'addCommand'
  | 'pendingCommands'
  | 'commandDelivered'
  | 'commandRequeued'
  | 'commandResult'
  | 'command'
>;

export type UserParts = Pick<
  StoreParts,
  | 'addUser'
  | 'userByName'
  | 'listUsers'
  | 'setUserPassword'
  | 'setUserRole'
  | 'removeUser'
  | 'createSession'
  | 'touchSession'
  | 'sessionAlive'
  | 'deleteSession'
  | 'deleteExpiredSessions'
>;

type Args<K extends PartName> = Parameters<Store[K]>;

/**
 * The Store methods both engines answer the same way: by handing the call to one of their parts.
 * Being async, they turn whatever a synchronous part throws into a rejected promise.
 */
export abstract class ComposedStore implements Store {
  constructor(private readonly parts: StoreParts) {}

  /** Folds at most `limit` samples (a whole number ≥ 1). */
  protected abstract foldSamples(limit: number): RollupResult | Promise<RollupResult>;
  abstract applyRetention(...a: Parameters<Store['applyRetention']>): ReturnType<Store['applyRetention']>;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;

  async rollup(limit = 50_000): Promise<RollupResult> {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`rollup limit must be >= 1, got ${limit}`);
    return this.foldSamples(limit);
  }

  async enrollDevice(...a: Args<'enrollDevice'>) {
    return this.parts.enrollDevice(...a);
  }
  async deviceAuth(...a: Args<'deviceAuth'>) {
    return this.parts.deviceAuth(...a);
  }
  async markOnline(...a: Args<'markOnline'>) {
    return this.parts.markOnline(...a);
  }
  async markOffline(...a: Args<'markOffline'>) {
    return this.parts.markOffline(...a);
  }
  async markAllOffline(...a: Args<'markAllOffline'>) {
    return this.parts.markAllOffline(...a);
  }
  async ingestBatch(...a: Args<'ingestBatch'>) {
    return this.parts.ingestBatch(...a);
  }
  async fleetCounts(...a: Args<'fleetCounts'>) {
    return this.parts.fleetCounts(...a);
  }
  async listDevices(...a: Args<'listDevices'>) {
    return this.parts.listDevices(...a);
  }
  async deviceSummaries(...a: Args<'deviceSummaries'>) {
    return this.parts.deviceSummaries(...a);
  }
  async deviceDetail(...a: Args<'deviceDetail'>) {
    return this.parts.deviceDetail(...a);
  }
  async appLatency(...a: Args<'appLatency'>) {
    return this.parts.appLatency(...a);
  }
  async latencyStats(...a: Args<'latencyStats'>) {
    return this.parts.latencyStats(...a);
  }
  async fleetMetrics(...a: Args<'fleetMetrics'>) {
    return this.parts.fleetMetrics(...a);
  }
  async probeConfig(...a: Args<'probeConfig'>) {
    return this.parts.probeConfig(...a);
  }
  async saveProbeConfig(...a: Args<'saveProbeConfig'>) {
    return this.parts.saveProbeConfig(...a);
  }
  async addEnrollSecret(...a: Args<'addEnrollSecret'>) {
    return this.parts.addEnrollSecret(...a);
  }
  async listEnrollSecrets(...a: Args<'listEnrollSecrets'>) {
    return this.parts.listEnrollSecrets(...a);
  }
  async revokeEnrollSecret(...a: Args<'revokeEnrollSecret'>) {
    return this.parts.revokeEnrollSecret(...a);
  }
  async useEnrollSecret(...a: Args<'useEnrollSecret'>) {
    return this.parts.useEnrollSecret(...a);
  }
  async revokeDevice(...a: Args<'revokeDevice'>) {
    return this.parts.revokeDevice(...a);
  }
  async addCommand(...a: Args<'addCommand'>) {
    return this.parts.addCommand(...a);
  }
  async pendingCommands(...a: Args<'pendingCommands'>) {
    return this.parts.pendingCommands(...a);
  }
  async commandDelivered(...a: Args<'commandDelivered'>) {
    return this.parts.commandDelivered(...a);
  }
  async commandRequeued(...a: Args<'commandRequeued'>) {
    return this.parts.commandRequeued(...a);
  }
  async commandResult(...a: Args<'commandResult'>) {
    return this.parts.commandResult(...a);
  }
  async command(...a: Args<'command'>) {
    return this.parts.command(...a);
  }
  async addUser(...a: Args<'addUser'>) {
    return this.parts.addUser(...a);
  }
  async userByName(...a: Args<'userByName'>) {
    return this.parts.userByName(...a);
  }
  async listUsers(...a: Args<'listUsers'>) {
    return this.parts.listUsers(...a);
  }
  async setUserPassword(...a: Args<'setUserPassword'>) {
    return this.parts.setUserPassword(...a);
  }
  async setUserRole(...a: Args<'setUserRole'>) {
    return this.parts.setUserRole(...a);
  }
  async removeUser(...a: Args<'removeUser'>) {
    return this.parts.removeUser(...a);
  }
  async createSession(...a: Args<'createSession'>) {
    return this.parts.createSession(...a);
  }
  async touchSession(...a: Args<'touchSession'>) {
    return this.parts.touchSession(...a);
  }
  async sessionAlive(...a: Args<'sessionAlive'>) {
    return this.parts.sessionAlive(...a);
  }
  async deleteSession(...a: Args<'deleteSession'>) {
    return this.parts.deleteSession(...a);
  }
  async deleteExpiredSessions(...a: Args<'deleteExpiredSessions'>) {
    return this.parts.deleteExpiredSessions(...a);
  }
}
