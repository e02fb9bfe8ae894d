import { readFileSync } from 'node:fs';
import type { ProbeConfig, ProbeData } from '@lagebild/shared';
import { messageOf } from './collector.js';
import type { HidLoader } from './collectors/security-key.js';
import type { TcpConnectResult } from './collectors/tcp-connect.js';
import { commandKey, type RunCommand } from './exec.js';
import type { RawInputs } from './plan.js';
import {
  isRecordedError,
  parseRecording,
  type RawRecording,
  ReplayFormatError,
  SYNC_SI_METHODS,
  siKey,
  siMethods,
} from './replay-format.js';
import type { SystemInfo } from './si.js';
import { type Snapshot, snapshotCollectors, takeSnapshot } from './snapshot.js';

export * from './replay-format.js';

/** Reads and checks a recording file; a missing or malformed file throws ReplayFormatError. */
export function loadRecording(path: string): RawRecording {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ReplayFormatError(`cannot read recording ${path}: ${messageOf(e)}`);
  }
  return parseRecording(text, path);
}

const copy = <T>(v: T): T => structuredClone(v);

/**
 * A SystemInfo that answers from the recording. A method that was not recorded fails with a message
 * saying so, which the collector reports like any other failure of that method.
 */
export function replaySystemInfo(rec: RawRecording): SystemInfo {
  const entries = siMethods().map((method) => {
    const answer = (...args: unknown[]): unknown => {
      const key = siKey(method, args);
      if (!(key in rec.si)) throw new Error(`si.${key} was not recorded`);
      const value = rec.si[key];
      if (isRecordedError(value)) throw new Error(value.$error);
      return copy(value);
    };
    const fn = SYNC_SI_METHODS.has(method)
      ? answer
      : (...args: unknown[]) => new Promise((resolve) => resolve(answer(...args)));
    return [method, fn] as const;
  });
  return Object.fromEntries(entries) as unknown as SystemInfo;
}

/** A node-hid loader that lists the recorded devices, or fails as node-hid failed on the notebook. */
export function replayHid(rec: RawRecording): HidLoader {
  return async () => {
    const hid = rec.hid;
    if (hid === undefined) throw new Error('the HID device list was not recorded');
    if (isRecordedError(hid)) throw new Error(hid.$error);
    return { devicesAsync: async () => copy(hid) };
  };
}

/** Recorded command outputs by `commandKey`; anything else gives code null and stderr "not recorded". */
export function replayRunCommand(rec: RawRecording): RunCommand {
  return async (file, args) => {
    const r = rec.commands?.[commandKey(file, args)];
    if (!r) return { code: null, stdout: '', stderr: 'not recorded' };
    return { code: r.code, stdout: r.stdout, stderr: r.stderr ?? '' };
  };
}

/** Recorded TCP connects by "host:port"; an unrecorded one fails (so a configured check reads as unreachable). */
export function replayConnect(rec: RawRecording): RawInputs['connect'] {
  return async (host, port): Promise<TcpConnectResult> => {
    const key = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const r = rec.connects?.[key];
    return r ? copy(r) : { ok: false, totalMs: 0, code: 'ENOTRECORDED', message: 'not recorded' };
  };
}

/** Every raw input of the recording: no access to this machine, and the clock stands at `clock.now`. */
export function replayInputs(rec: RawRecording): RawInputs {
  return {
    si: replaySystemInfo(rec),
    loadHid: replayHid(rec),
    run: replayRunCommand(rec),
    connect: replayConnect(rec),
    now: () => rec.clock.now,
    platform: rec.platform,
    resolve: async (host) => rec.dns?.[host] ?? null,
    probe: async (p) => {
      const r = rec.probes?.[p.id];
      if (!r) throw new Error(`probe ${p.id} was not recorded`);
      return copy(r);
    },
  };
}

/**
 * The probes a replay shows: those with a recorded result. A recorded result without a config entry
 * gets one made from the result itself, so hand-written recordings need only the result.
 */
export function replayProbes(rec: RawRecording): ProbeConfig[] {
  const results: Record<string, ProbeData> = rec.probes ?? {};
  const configured = (rec.config?.probes ?? []).filter((p) => results[p.id]);
  const made = Object.values(results)
    .filter((r) => !configured.some((p) => p.id === r.probeId))
    .map((r): ProbeConfig => {
      return {
        id: r.probeId,
        app: r.app,
        kind: r.probeKind,
        target: r.target,
        intervalSec: 60,
        timeoutMs: 5000,
      };
    });
  return [...configured, ...made];
}

/** Computes the observations of a recording, exactly as the notebook would have. */
export function replaySnapshot(
  rec: RawRecording,
  onError: (collector: string, e: unknown) => void = () => {},
): Promise<Snapshot> {
  const set = snapshotCollectors(rec.config ?? {}, {
    ...replayInputs(rec),
    systemDrive: rec.systemDrive ?? 'C:',
    selfUsage: null,
  });
  return takeSnapshot(set, replayProbes(rec), onError);
}
