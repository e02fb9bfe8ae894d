import type { AppLatency, DeviceSummary, FleetCounts, LiveMessage } from '@lagebild/shared';
import { applyCheckRequested, applyCommandResult, type CheckRequested, type CheckRun } from './checks.js';
import { addSamples, emptyLatency, type LatencyState, pruneLatency, seedLatency } from './latency.js';

/** How the live WebSocket is doing, as the header shows it. */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting';

/** Everything the dashboard shows that arrives from the server. Replaced, never mutated. */
export interface DashboardState {
  connection: ConnectionStatus;
  /** null until the first snapshot */
  fleet: FleetCounts | null;
  devices: ReadonlyMap<string, DeviceSummary>;
  latency: LatencyState;
  /** server clock minus local clock, measured at the last snapshot */
  clockOffsetMs: number;
  /** counts snapshots, so views can tell that the whole picture was replaced (e.g. after a reconnect) */
  snapshots: number;
  /** the device whose "check now" results the live socket should send (the open device page) */
  watching: string | null;
  /** "check now" runs of the watched device by command id, as far as they got */
  checks: ReadonlyMap<string, CheckRun>;
}

/** What changes the state: live messages plus the few things the app itself learns. */
export type Action =
  | LiveMessage
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'latencyHistory'; history: AppLatency }
  | { type: 'watch'; deviceId: string | null }
  | CheckRequested;

/** The state before anything arrived. */
export function initialState(): DashboardState {
  return {
    connection: 'connecting',
    fleet: null,
    devices: new Map(),
    latency: emptyLatency(),
    clockOffsetMs: 0,
    snapshots: 0,
    watching: null,
    checks: new Map(),
  };
}

/**
 * Applies a batch of actions in order. The device map is copied at most once per batch, so a frame
 * with hundreds of device updates costs one copy, not hundreds.
 */
export function reduce(state: DashboardState, actions: readonly Action[], now: number): DashboardState {
  let next = state;
  let devices: Map<string, DeviceSummary> | null = null;
  for (const action of actions) {
    switch (action.type) {
      case 'snapshot':
        // a snapshot is the whole truth: devices that are not in it are gone
        devices = new Map(action.devices.map((d) => [d.id, d]));
        next = {
          ...next,
          fleet: action.fleet,
          clockOffsetMs: action.serverTime - now,
          snapshots: next.snapshots + 1,
          connection: 'live',
        };
        break;
      case 'device':
        devices ??= new Map(next.devices);
        devices.set(action.device.id, action.device);
        break;
      case 'fleet':
        // counts are the server's: it pushes them whenever a device change moves one
        next = { ...next, fleet: action.fleet };
        break;
      case 'probes':
        next = { ...next, latency: addSamples(next.latency, action.samples, now + next.clockOffsetMs) };
        break;
      case 'connection':
        if (next.connection !== action.status) next = { ...next, connection: action.status };
        break;
      case 'latencyHistory':
        next = { ...next, latency: seedLatency(next.latency, action.history, now + next.clockOffsetMs) };
        break;
      case 'watch':
        // another device page: the runs of the one before are no longer of interest
        if (next.watching !== action.deviceId)
          next = {
            ...next,
            watching: action.deviceId,
            checks: new Map([...next.checks].filter(([, run]) => run.deviceId === action.deviceId)),
          };
        break;
      case 'commandResult':
        if (action.deviceId === next.watching)
          next = { ...next, checks: applyCommandResult(next.checks, action, now + next.clockOffsetMs) };
        break;
      case 'checkRequested':
        next = { ...next, checks: applyCheckRequested(next.checks, action, now + next.clockOffsetMs) };
        break;
    }
  }
  if (devices) next = { ...next, devices };
  return next;
}

/** Slides the latency window forward without new data (a quiet minute still moves the chart). */
export function tick(state: DashboardState, now: number): DashboardState {
  const latency = pruneLatency(state.latency, now + state.clockOffsetMs);
  return latency === state.latency ? state : { ...state, latency };
}
