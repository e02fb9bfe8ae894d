import type { Capability, ObservationData } from '@lagebild/shared';

/** Options for one collection run. */
export interface CollectOptions {
  /**
   * Report the current state even when a state collector has nothing new to say
   * (used by "check now" commands and snapshots).
   */
  force?: boolean;
}

/** Something the agent measures. State collectors (VPN, security key) return [] when there is nothing to report. */
export interface Collector {
  /** Unique per agent: `identity`, `vpn`, `securityKey`, `health`, `probe:<id>`. */
  readonly name: string;
  /** Whether this collector can measure on this machine, and why not. */
  capability(): Promise<Capability>;
  /** Measures once. Never throws for an expected failure; the result describes it instead. */
  collect(options?: CollectOptions): Promise<ObservationData[]>;
}

/** Milliseconds since the epoch; injected so tests control time. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Error message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
