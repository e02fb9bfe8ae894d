import type { DeviceSummary, FleetCounts } from './api.js';
import type { CommandResultFrame } from './frames.js';
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
  | { type: 'probes'; samples: LiveProbeSample[] }
  /** progress or result of a "check now" command, only to dashboards watching that device */
  | LiveCommandResult;

/**
 * An agent's answer to a command, relayed as it arrives: `running` first, then `done` or `failed`
 * with the fresh results (probe results with their phases, VPN, key, health).
 */
export interface LiveCommandResult {
  type: 'commandResult';
  deviceId: string;
  commandId: string;
  status: CommandResultFrame['status'];
  results: CommandResultFrame['results'];
  /** what the agent said, for people (e.g. why it failed) */
  message?: string;
  /** server time the result arrived */
  at: number;
}

/**
 * Messages a dashboard sends on the live socket. `watch` names the one device whose command results
 * it wants (the device page it shows), `null` for none; it is sent again after every reconnect.
 */
export type LiveClientMessage = { type: 'watch'; deviceId: string | null };

export type LiveMessageType = LiveMessage['type'];
