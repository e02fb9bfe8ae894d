import type { DeviceSummary, FleetCounts } from './api.js';
import type { ProbeErrorClass } from './observations.js';

/** One probe result as pushed to dashboards (no device detail beyond the id). */
export interface LiveProbeSample {
  deviceId: string;
  app: string;
  ts: number;
  ok: boolean;
  totalMs: number;
  /** why a failed probe failed; absent when it succeeded */
  errorClass?: ProbeErrorClass;
}

/** Messages the server pushes to dashboards on the live WebSocket (/v1/live). */
export type LiveMessage =
  /** sent once on connect: the whole picture */
  | { type: 'snapshot'; serverTime: number; fleet: FleetCounts; devices: DeviceSummary[] }
  /** a device changed (state, online, identity) */
  | { type: 'device'; device: DeviceSummary }
  /** fleet counts changed */
  | { type: 'fleet'; fleet: FleetCounts }
  /** probe results just stored */
  | { type: 'probes'; samples: LiveProbeSample[] };

export type LiveMessageType = LiveMessage['type'];
