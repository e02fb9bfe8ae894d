import type { ProbeConfig, ProbeData } from '@lagebild/shared';
import { type Collector, messageOf, systemClock } from './collector.js';
import { systemResolve } from './collectors/route-check.js';
import { loadNodeHid } from './collectors/security-key.js';
import type { HidDevice } from './collectors/security-key-detect.js';
import { tcpConnect } from './collectors/tcp-connect.js';
import type { LocalConfig } from './config.js';
import { type CommandResult, commandKey, realRunCommand } from './exec.js';
import type { CollectorSet, RawInputs } from './plan.js';
import { scrubRecording } from './record-scrub.js';
import { RAW_FORMAT, type RawRecording, type Recorded, SYNC_SI_METHODS, siKey } from './replay-format.js';
import { realSystemInfo, type SystemInfo } from './si.js';
import { type Snapshot, snapshotCollectors, takeSnapshot } from './snapshot.js';
import { AGENT_VERSION } from './version.js';

/** A call whose outcome is kept once it settles. */
interface Call<T> {
  promise: Promise<T>;
  outcome?: Recorded<T>;
}

function track<T>(promise: Promise<T>): Call<T> {
  const call: Call<T> = { promise };
  promise.then(
    (v) => {
      call.outcome = structuredClone(v);
    },
    (e: unknown) => {
      call.outcome = { $error: messageOf(e) };
    },
  );
  return call;
}

/** Settled outcomes only: a call still pending when the snapshot was done was not used by it. */
function settled<T>(calls: Map<string, Call<T>>): Record<string, Recorded<T>> {
  const out: Record<string, Recorded<T>> = {};
  for (const [key, call] of calls) if (call.outcome !== undefined) out[key] = call.outcome;
  return out;
}

const isPlatform = (p: string): p is RawRecording['platform'] => ['linux', 'win32', 'darwin'].includes(p);

/**
 * Wraps live raw inputs so one snapshot records every input it used. Each input is read once: a second
 * call (e.g. VPN and health both listing interfaces) gets the first answer, so the recording holds
 * exactly what the observations were computed from. The clock stands still at the moment recording began.
 */
export class Recorder {
  private readonly si = new Map<string, Call<unknown>>();
  private hid: Call<HidDevice[]> | undefined;
  private readonly commands = new Map<string, Call<CommandResult>>();
  private readonly connects = new Map<string, Call<Awaited<ReturnType<RawInputs['connect']>>>>();
  private readonly dns = new Map<string, Call<string | null>>();
  private readonly probes = new Map<string, ProbeData>();
  readonly startedAt: number;

  constructor(private readonly live: RawInputs) {
    this.startedAt = live.now();
  }

  /** The live inputs, recorded. */
  inputs(): RawInputs {
    return {
      si: this.recordSi(this.live.si),
      loadHid: async () => {
        const api = await this.live.loadHid().catch((e: unknown) => {
          this.hid ??= track(Promise.reject(e));
          throw e;
        });
        return {
          devicesAsync: () => {
            this.hid ??= track(api.devicesAsync());
            return this.hid.promise.then((d) => structuredClone(d));
          },
        };
      },
      run: (file, args, options) => {
        const key = commandKey(file, args);
        let call = this.commands.get(key);
        if (!call) {
          call = track(this.live.run(file, args, options));
          this.commands.set(key, call);
        }
        return call.promise;
      },
      connect: (host, port, timeoutMs) => {
        const key = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
        let call = this.connects.get(key);
        if (!call) {
          call = track(this.live.connect(host, port, timeoutMs));
          this.connects.set(key, call);
        }
        return call.promise;
      },
      resolve: (host) => {
        let call = this.dns.get(host);
        if (!call) {
          call = track(this.live.resolve ? this.live.resolve(host) : Promise.resolve(null));
          this.dns.set(host, call);
        }
        return call.promise;
      },
      now: () => this.startedAt,
      platform: this.live.platform,
    };
  }

  /** The collector set with probes whose results are kept (probes are recorded as results, not replayed). */
  recordProbes(set: CollectorSet): CollectorSet {
    return {
      ...set,
      probe: (config: ProbeConfig): Collector => {
        const inner = set.probe(config);
        return {
          name: inner.name,
          capability: () => inner.capability(),
          collect: async (options) => {
            const out = await inner.collect(options);
            for (const o of out) if (o.kind === 'probe') this.probes.set(o.probeId, structuredClone(o));
            return out;
          },
        };
      },
    };
  }

  /** The recording of everything read so far, scrubbed of personal data the snapshot did not send. */
  recording(snapshot: Snapshot, config: LocalConfig = {}): RawRecording {
    const platform = this.live.platform;
    if (!isPlatform(platform))
      throw new Error(`recording is supported on linux, win32 and darwin, not ${platform}`);
    const rec: RawRecording = {
      format: RAW_FORMAT,
      recordedWith: `lagebild-agent ${AGENT_VERSION}`,
      platform,
      clock: { now: this.startedAt },
      si: settled(this.si),
    };
    if (platform === 'win32') rec.systemDrive = (process.env.SystemDrive ?? 'C:').toUpperCase();
    const recorded: RawRecording['config'] = {};
    if (config.probes?.length) recorded.probes = config.probes;
    if (config.vpn) recorded.vpn = config.vpn;
    if (Object.keys(recorded).length > 0) rec.config = recorded;
    if (this.hid?.outcome !== undefined) rec.hid = this.hid.outcome;
    const commands = settled(this.commands);
    if (Object.keys(commands).length > 0) rec.commands = commands as Record<string, CommandResult>;
    const dns = settled(this.dns);
    // a failed lookup is recorded as "did not resolve", which is what the route check makes of it
    if (this.dns.size > 0) {
      rec.dns = Object.fromEntries(
        Object.entries(dns).map(([h, a]) => [h, typeof a === 'string' ? a : null]),
      );
    }
    const connects = settled(this.connects);
    if (Object.keys(connects).length > 0) rec.connects = connects as RawRecording['connects'];
    if (this.probes.size > 0) rec.probes = Object.fromEntries(this.probes);
    return scrubRecording(rec, snapshot);
  }

  private recordSi(live: SystemInfo): SystemInfo {
    const entries = Object.entries(live).map(([method, fn]) => {
      const call = (...args: unknown[]) => {
        const key = siKey(method, args);
        let c = this.si.get(key);
        if (!c) {
          if (SYNC_SI_METHODS.has(method)) {
            let outcome: Recorded<unknown>;
            try {
              outcome = structuredClone((fn as (...a: unknown[]) => unknown)(...args));
            } catch (e) {
              outcome = { $error: messageOf(e) };
            }
            c = { promise: Promise.resolve(outcome), outcome };
          } else {
            c = track(Promise.resolve().then(() => (fn as (...a: unknown[]) => Promise<unknown>)(...args)));
          }
          this.si.set(key, c);
        }
        if (SYNC_SI_METHODS.has(method)) {
          const o = c.outcome;
          if (o !== null && typeof o === 'object' && '$error' in o) throw new Error(String(o.$error));
          return structuredClone(o);
        }
        return c.promise.then((v) => structuredClone(v));
      };
      return [method, call] as const;
    });
    return Object.fromEntries(entries) as unknown as SystemInfo;
  }
}

/** The live raw inputs of this machine. */
export function liveInputs(): RawInputs {
  return {
    si: realSystemInfo,
    loadHid: loadNodeHid,
    run: realRunCommand,
    connect: tcpConnect,
    now: systemClock,
    platform: process.platform,
    resolve: systemResolve(),
  };
}

/** Takes a snapshot of this machine and records the raw inputs it used (`snapshot --record`). */
export async function recordSnapshot(
  config: LocalConfig = {},
  onError: (collector: string, e: unknown) => void = () => {},
  live: RawInputs = liveInputs(),
): Promise<{ snapshot: Snapshot; recording: RawRecording }> {
  const recorder = new Recorder(live);
  const set = recorder.recordProbes(
    snapshotCollectors(config, {
      ...recorder.inputs(),
      systemDrive: live.platform === 'win32' ? process.env.SystemDrive : undefined,
      // the agent's own footprint during one snapshot says nothing about the notebook; a replay leaves it out too
      selfUsage: null,
    }),
  );
  const snapshot = await takeSnapshot(set, config.probes ?? [], onError);
  return { snapshot, recording: recorder.recording(snapshot, config) };
}
