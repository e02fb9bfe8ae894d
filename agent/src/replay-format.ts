import { isIP } from 'node:net';
import { type ProbeData, ProbeData as ProbeDataSchema, schemaProblems } from '@lagebild/shared';
import { messageOf } from './collector.js';
import type { HidDevice } from './collectors/security-key-detect.js';
import { parseHostPort, type TcpConnectResult } from './collectors/tcp-connect.js';
import { type LocalConfig, parseLocalConfig } from './config.js';
import type { CommandResult } from './exec.js';
import { realSystemInfo } from './si.js';

/** The version tag of the raw-input recording format. */
export const RAW_FORMAT = 'lagebild-raw/1';

/** A recorded call that failed: replay fails the same way, with this message. */
export interface RecordedError {
  $error: string;
}

export type Recorded<T> = T | RecordedError;

/** The configuration a recording was made with: the probes (for route checks and results) and the VPN check. */
export type RecordedConfig = Pick<LocalConfig, 'probes' | 'vpn'>;

/**
 * Raw inputs of one snapshot (`lagebild-raw/1`): what systeminformation, node-hid, OS tools and TCP
 * connects returned on a notebook, so `snapshot --replay` computes the observations anywhere.
 * Field by field in docs/REPLAY.md.
 */
export interface RawRecording {
  format: typeof RAW_FORMAT;
  /** free text: what the recording shows */
  description?: string;
  /** the agent that recorded it, e.g. "lagebild-agent 0.1.0" */
  recordedWith?: string;
  platform: 'linux' | 'win32' | 'darwin';
  /** the moment of the snapshot; every clock reading during replay returns it */
  clock: { now: number };
  /** Windows: the system drive whose free space health reports (default "C:") */
  systemDrive?: string;
  config?: RecordedConfig;
  /** SystemInfo method name (with JSON arguments in parentheses when called with any) → its result */
  si: Record<string, unknown>;
  /** node-hid `devices()` entries, or why node-hid could not load */
  hid?: Recorded<HidDevice[]>;
  /** `commandKey(file, args)` → exit code and output */
  commands?: Record<string, CommandResult>;
  /** host name → the address it resolved to (null: it did not), for the route checks */
  dns?: Record<string, string | null>;
  /** "host:port" → outcome of the TCP connect to the VPN check address */
  connects?: Record<string, TcpConnectResult>;
  /** probe id → the probe result measured on the notebook (probes are not repeated from the network) */
  probes?: Record<string, ProbeData>;
}

/** A recording that does not fit the format; the message names the file and the field. Exit code 2. */
export class ReplayFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayFormatError';
  }
}

/** SystemInfo methods that return a value instead of a promise. */
export const SYNC_SI_METHODS: ReadonlySet<string> = new Set(['time']);

/** The SystemInfo methods a recording may hold. */
export const siMethods = (): string[] => Object.keys(realSystemInfo);

/** Key of one SystemInfo call: the method name, with its arguments as JSON when it got any. */
export function siKey(method: string, args: readonly unknown[]): string {
  return args.length === 0 ? method : `${method}(${args.map((a) => JSON.stringify(a)).join(',')})`;
}

export function isRecordedError(v: unknown): v is RecordedError {
  return typeof v === 'object' && v !== null && typeof (v as RecordedError).$error === 'string';
}

const KEYS = [
  'format',
  'description',
  'recordedWith',
  'platform',
  'clock',
  'systemDrive',
  'config',
  'si',
  'hid',
  'commands',
  'dns',
  'connects',
  'probes',
];
const PLATFORMS = ['linux', 'win32', 'darwin'];

type Kind = 'string' | 'number' | 'boolean';
// Fields the collectors cannot do without, per method; everything else a method returns is optional.
const REQUIRED: Record<string, { list?: true; fields: Record<string, Kind> }> = {
  osInfo: { fields: { platform: 'string' } },
  networkInterfaces: { list: true, fields: { iface: 'string' } },
  currentLoad: { fields: { currentLoad: 'number' } },
  mem: { fields: { total: 'number', active: 'number' } },
  fsSize: { list: true, fields: { mount: 'string', size: 'number', available: 'number' } },
  battery: { fields: { hasBattery: 'boolean' } },
  wifiConnections: { list: true, fields: { iface: 'string' } },
  time: { fields: { uptime: 'number' } },
  usb: { list: true, fields: {} },
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** Checks what a recording holds; every problem names its field, e.g. `si.mem.total must be a number`. */
class Checker {
  readonly problems: string[] = [];

  need(ok: boolean, problem: string): boolean {
    if (!ok) this.problems.push(problem);
    return ok;
  }

  object(v: unknown, path: string): v is Record<string, unknown> {
    return this.need(isObject(v), `${path} must be an object, not ${describe(v)}`);
  }

  fields(v: Record<string, unknown>, fields: Record<string, Kind>, path: string): void {
    for (const [name, kind] of Object.entries(fields)) {
      this.need(typeof v[name] === kind, `${path}.${name} must be a ${kind}`);
    }
  }

  recordedError(v: unknown, path: string): boolean {
    if (!isObject(v) || !('$error' in v)) return false;
    this.need(
      typeof v.$error === 'string' && Object.keys(v).length === 1,
      `${path} must be {"$error": "<message>"} when it records a failure`,
    );
    return true;
  }

  si(si: unknown): void {
    if (!this.object(si, 'si')) return;
    const methods = siMethods();
    for (const [key, value] of Object.entries(si)) {
      const method = /^([A-Za-z]+)(\(.*\))?$/.exec(key)?.[1];
      const path = `si.${key}`;
      if (!method || !methods.includes(method)) {
        this.problems.push(`${path} is not a SystemInfo method (known: ${methods.join(', ')})`);
        continue;
      }
      if (this.recordedError(value, path)) continue;
      const shape = REQUIRED[method];
      if (!shape) {
        this.need(value !== undefined && value !== null, `${path} must hold the method's result`);
        continue;
      }
      if (shape.list) {
        if (!this.need(Array.isArray(value), `${path} must be an array, not ${describe(value)}`)) continue;
        (value as unknown[]).forEach((entry, i) => {
          if (this.object(entry, `${path}[${i}]`)) this.fields(entry, shape.fields, `${path}[${i}]`);
        });
      } else if (this.object(value, path)) {
        this.fields(value, shape.fields, path);
      }
    }
  }

  hid(hid: unknown): void {
    if (hid === undefined || this.recordedError(hid, 'hid')) return;
    if (!this.need(Array.isArray(hid), `hid must be an array of node-hid devices, not ${describe(hid)}`))
      return;
    (hid as unknown[]).forEach((d, i) => {
      const path = `hid[${i}]`;
      if (!this.object(d, path)) return;
      for (const id of ['vendorId', 'productId']) {
        const v = d[id];
        this.need(
          Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff,
          `${path}.${id} must be an integer 0..65535 (decimal: 0x1050 is 4176)`,
        );
      }
      for (const n of ['usagePage', 'usage', 'interface', 'release']) {
        if (d[n] !== undefined) this.need(typeof d[n] === 'number', `${path}.${n} must be a number`);
      }
      for (const s of ['path', 'serialNumber', 'manufacturer', 'product']) {
        if (d[s] !== undefined) this.need(typeof d[s] === 'string', `${path}.${s} must be a string`);
      }
    });
  }

  commands(commands: unknown): void {
    if (commands === undefined || !this.object(commands, 'commands')) return;
    for (const [key, r] of Object.entries(commands)) {
      const path = `commands["${key}"]`;
      if (!this.object(r, path)) continue;
      this.need(
        r.code === null || Number.isInteger(r.code),
        `${path}.code must be an integer exit code or null`,
      );
      this.need(typeof r.stdout === 'string', `${path}.stdout must be a string`);
      if (r.stderr !== undefined) this.need(typeof r.stderr === 'string', `${path}.stderr must be a string`);
    }
  }

  dns(dns: unknown): void {
    if (dns === undefined || !this.object(dns, 'dns')) return;
    for (const [host, address] of Object.entries(dns)) {
      this.need(
        address === null || (typeof address === 'string' && isIP(address) !== 0),
        `dns["${host}"] must be an IP address or null (did not resolve)`,
      );
    }
  }

  connects(connects: unknown): void {
    if (connects === undefined || !this.object(connects, 'connects')) return;
    for (const [key, r] of Object.entries(connects)) {
      const path = `connects["${key}"]`;
      this.need(parseHostPort(key) !== null, `${path}: the key must be "host:port"`);
      if (!this.object(r, path)) continue;
      this.need(typeof r.ok === 'boolean', `${path}.ok must be a boolean`);
      this.need(typeof r.totalMs === 'number', `${path}.totalMs must be a number`);
    }
  }

  probes(probes: unknown): void {
    if (probes === undefined || !this.object(probes, 'probes')) return;
    for (const [id, p] of Object.entries(probes)) {
      const path = `probes.${id}`;
      const problems = schemaProblems(ProbeDataSchema, p, path);
      this.problems.push(...problems);
      if (problems.length === 0) {
        this.need(
          (p as ProbeData).probeId === id,
          `${path}.probeId must be "${id}", the key it is filed under`,
        );
      }
    }
  }

  config(config: unknown): void {
    if (config === undefined || !this.object(config, 'config')) return;
    const extra = Object.keys(config).filter((k) => k !== 'probes' && k !== 'vpn');
    // server address, secrets and paths have no place in a file that is passed around
    if (!this.need(extra.length === 0, `config may hold only probes and vpn, not ${extra.join(', ')}`))
      return;
    try {
      parseLocalConfig(JSON.stringify(config), 'config');
    } catch (e) {
      this.problems.push(messageOf(e));
    }
  }
}

/** Parses and checks a `lagebild-raw/1` document; throws ReplayFormatError listing every problem. */
export function parseRecording(text: string, source = 'recording'): RawRecording {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ReplayFormatError(`${source}: not valid JSON (${messageOf(e)})`);
  }
  if (!isObject(raw)) throw new ReplayFormatError(`${source}: must be a JSON object, not ${describe(raw)}`);
  if (raw.format !== RAW_FORMAT) {
    throw new ReplayFormatError(
      `${source}: format must be "${RAW_FORMAT}", not ${JSON.stringify(raw.format) ?? 'missing'}`,
    );
  }
  const c = new Checker();
  const unknown = Object.keys(raw).filter((k) => !KEYS.includes(k));
  c.need(unknown.length === 0, `unknown field(s) ${unknown.join(', ')}; allowed: ${KEYS.join(', ')}`);
  c.need(
    typeof raw.platform === 'string' && PLATFORMS.includes(raw.platform),
    `platform must be one of ${PLATFORMS.join(', ')}, not ${JSON.stringify(raw.platform) ?? 'missing'}`,
  );
  if (c.object(raw.clock, 'clock')) {
    const now = raw.clock.now;
    c.need(
      Number.isInteger(now) && (now as number) >= 0,
      'clock.now must be the time of the snapshot in milliseconds since 1970 (an integer)',
    );
  }
  for (const s of ['description', 'recordedWith', 'systemDrive']) {
    if (raw[s] !== undefined) c.need(typeof raw[s] === 'string', `${s} must be a string`);
  }
  c.si(raw.si);
  c.hid(raw.hid);
  c.commands(raw.commands);
  c.dns(raw.dns);
  c.connects(raw.connects);
  c.probes(raw.probes);
  c.config(raw.config);
  if (c.problems.length > 0) throw new ReplayFormatError(`${source}: ${c.problems.join('; ')}`);
  return raw as unknown as RawRecording;
}
