import {
  type Capability,
  type CommandFrame,
  type CommandResultFrame,
  decodeServerFrame,
  type ErrorFrame,
  encodeFrame,
  type HelloFrame,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  type ServerFrame,
  type VpnState,
  type WelcomeFrame,
} from '@lagebild/shared';
import WebSocket from 'ws';
import { type BehaviourOptions, DeviceBehaviour } from './behaviour.js';
import { SIM_AGENT_VERSION } from './defaults.js';
import { DeviceRoutine, type RoutineOptions } from './device-routine.js';
import { enroll, SimError } from './enroll.js';
import { Outbox, type RecordedObservation } from './outbox.js';
import { createRng, type Rng } from './prng.js';
import type { DeviceProfile } from './profile.js';
import type { Scheduler, Task } from './scheduler.js';

/** The public view of one simulated notebook; values are live. */
export interface SimDevice {
  readonly index: number;
  /** device id given by the server at enrollment; null before */
  readonly id: string | null;
  readonly hardwareId: string;
  readonly hostname: string;
  readonly serial: string;
  readonly gateway: string;
  readonly vpnVendor: string;
  readonly vpnState: VpnState;
  readonly hasKey: boolean;
  readonly connected: boolean;
  /** highest seq the server confirmed */
  readonly lastAckSeq: number;
  /** highest seq sent on the current connection */
  readonly sentSeq: number;
  /** highest seq measured so far */
  readonly lastSeq: number;
  /** measured but not yet confirmed */
  readonly pending: number;
  /** every observation measured so far, in seq order; empty unless the fleet runs with `keepHistory` */
  readonly history: readonly RecordedObservation[];
}

/** Fleet-wide counters the devices add to. */
export interface FleetCounters {
  sent: number;
  resent: number;
  acked: number;
  errors: number;
  reconnects: number;
}

/** What a device needs from its fleet. */
export interface DeviceContext {
  scheduler: Scheduler;
  serverUrl: string;
  wsUrl: string;
  enrollSecret: string;
  seed: number;
  behaviour: BehaviourOptions;
  routine: RoutineOptions;
  localAddress: string | undefined;
  /** remember seq, kind and time of every observation (for tests) */
  keepHistory: boolean;
  counters: FleetCounters;
  log(line: string): void;
  /** the device has something to send (or room to send it) */
  markDirty(device: DeviceClient): void;
  acked(device: DeviceClient): void;
  failed(device: DeviceClient, error: SimError): void;
}

type Phase =
  | 'idle'
  | 'enrolling'
  | 'connecting'
  | 'handshake'
  | 'online'
  | 'waiting'
  | 'offline'
  | 'stopped'
  | 'failed';

const CAPABILITIES: Capability[] = ['identity', 'vpn', 'securityKey', 'probes', 'health'].map((name) => ({
  name,
  available: true,
}));
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 30_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** observations sent but not yet acknowledged before the device waits for acks */
const SEND_WINDOW = 2_000;
const MAX_BUFFERED_BYTES = 1 << 20;
const FATAL_CODES = new Set(['LB_ERR_PROTOCOL_VERSION']);
const AUTH_CODES = new Set(['LB_ERR_AUTH_INVALID', 'LB_ERR_AUTH_MISSING']);

/** One simulated notebook: enrollment, a real WebSocket, store-and-forward and the agent's routine. */
export class DeviceClient implements SimDevice {
  private phase: Phase = 'idle';
  private ws: WebSocket | null = null;
  /** bumped whenever an attempt is superseded, so late callbacks of old attempts do nothing */
  private generation = 0;
  private attempt = 0;
  private retryAfterMs = 0;
  private credentials: { deviceId: string; token: string } | null = null;
  private closeCause: SimError | null = null;
  private handshakeTimer: Task | null = null;
  private reconnectTimer: Task | null = null;
  private startWaiter: { resolve(): void; reject(e: Error): void } | null = null;
  private closeWaiters: (() => void)[] = [];
  private readonly outbox: Outbox;
  private readonly behaviour: DeviceBehaviour;
  private readonly routine: DeviceRoutine;
  private readonly jitter: Rng;
  lastError: SimError | null = null;

  constructor(
    readonly profile: DeviceProfile,
    private readonly ctx: DeviceContext,
  ) {
    const { seed } = ctx;
    const { index } = profile;
    this.outbox = new Outbox(ctx.keepHistory);
    this.behaviour = new DeviceBehaviour(
      profile,
      createRng(seed, index, 'behaviour'),
      ctx.behaviour,
      Date.now(),
    );
    this.jitter = createRng(seed, index, 'jitter');
    this.routine = new DeviceRoutine(this.behaviour, ctx.scheduler, this.jitter, ctx.routine, (data, ts) => {
      this.outbox.record(data, ts);
      this.ctx.markDirty(this);
    });
  }

  get index(): number {
    return this.profile.index;
  }
  get id(): string | null {
    return this.credentials?.deviceId ?? null;
  }
  get hardwareId(): string {
    return this.profile.hardwareId;
  }
  get hostname(): string {
    return this.profile.hostname;
  }
  get serial(): string {
    return this.profile.serial;
  }
  get gateway(): string {
    return this.profile.gateway;
  }
  get vpnVendor(): string {
    return this.profile.vpnVendor;
  }
  get vpnState(): VpnState {
    return this.behaviour.vpnState;
  }
  get hasKey(): boolean {
    return this.profile.securityKey !== null;
  }
  get connected(): boolean {
    return this.phase === 'online';
  }
  get heldOffline(): boolean {
    return this.phase === 'offline' || this.phase === 'stopped' || this.phase === 'failed';
  }
  get lastAckSeq(): number {
    return this.outbox.lastAckSeq;
  }
  get sentSeq(): number {
    return this.outbox.sentSeq;
  }
  get lastSeq(): number {
    return this.outbox.lastSeq;
  }
  get pending(): number {
    return this.outbox.pending;
  }
  get history(): readonly RecordedObservation[] {
    return this.outbox.history;
  }

  /** Enrolls and connects; resolves on the first welcome, rejects only on errors retrying cannot fix. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.startWaiter = { resolve, reject };
      void this.connect();
    });
  }

  /** Closes the socket cleanly and stays offline; the routine keeps measuring into the outbox. */
  goOffline(): void {
    if (this.heldOffline) return;
    this.generation++;
    this.phase = 'offline';
    this.cancelTimers();
    this.ws?.close(1000, 'offline');
  }

  /** Reconnects a device held offline; everything unacknowledged is sent again after the welcome. */
  goOnline(): void {
    if (this.phase !== 'offline') return;
    this.attempt = 0;
    this.ctx.counters.reconnects++;
    void this.connect();
  }

  setVpn(state: VpnState | 'auto'): void {
    this.routine.setVpn(state);
  }

  /** Stops everything; resolves when the socket is closed. */
  stop(): Promise<void> {
    this.generation++;
    this.phase = 'stopped';
    this.cancelTimers();
    this.routine.stop();
    this.startWaiter?.reject(new SimError('device stopped', undefined, false));
    this.startWaiter = null;
    const ws = this.ws;
    if (!ws) return Promise.resolve();
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      ws.close(1000, 'stopping');
      // a server that never answers the close handshake must not hold up stop()
      setTimeout(() => ws.terminate(), 2_000).unref();
    });
  }

  /** Sends what the window allows; returns true when more is waiting for the next flush. */
  flush(): boolean {
    const ws = this.ws;
    if (this.phase !== 'online' || !ws) return false;
    while (this.outbox.inFlight < SEND_WINDOW) {
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return true;
      const batch = this.outbox.takeBatch();
      if (!batch) return false;
      ws.send(batch.frame);
      this.ctx.counters.sent += batch.firstSends;
      this.ctx.counters.resent += batch.count - batch.firstSends;
    }
    return false; // the next ack marks the device dirty again
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.reconnectTimer = null;
    this.closeCause = null;
    if (!this.credentials) {
      this.phase = 'enrolling';
      try {
        const r = await enroll(this.ctx.serverUrl, this.ctx.enrollSecret, this.hardwareId, this.hostname);
        this.credentials = { deviceId: r.deviceId, token: r.token };
      } catch (e) {
        if (generation !== this.generation) return;
        const error = e instanceof SimError ? e : new SimError(String(e), undefined, true);
        if (error.retryable) this.retry(error);
        else this.fail(error);
        return;
      }
      if (generation !== this.generation) return;
    }
    this.phase = 'connecting';
    const ws = new WebSocket(this.ctx.wsUrl, {
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      maxPayload: MAX_FRAME_BYTES,
      ...(this.ctx.localAddress ? { localAddress: this.ctx.localAddress } : {}),
    });
    this.ws = ws;
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data) => this.onMessage(ws, data as Buffer));
    ws.on('error', (e) => {
      if (ws === this.ws)
        this.closeCause ??= new SimError(
          `connection to ${this.ctx.wsUrl} failed: ${e.message}`,
          undefined,
          true,
        );
    });
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws || !this.credentials) return;
    this.phase = 'handshake';
    const hello: HelloFrame = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agentVersion: SIM_AGENT_VERSION,
      deviceId: this.credentials.deviceId,
      token: this.credentials.token,
      capabilities: CAPABILITIES,
    };
    const configVersion = this.routine.configVersion;
    if (configVersion !== undefined) hello.configVersion = configVersion;
    ws.send(encodeFrame(hello));
    this.handshakeTimer = this.ctx.scheduler.at(HANDSHAKE_TIMEOUT_MS, () => {
      this.closeWith(ws, new SimError(`no welcome within ${HANDSHAKE_TIMEOUT_MS} ms`, undefined, true));
    });
  }

  private onMessage(ws: WebSocket, data: Buffer): void {
    if (ws !== this.ws) return;
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(data);
    } catch (e) {
      this.ctx.counters.errors++;
      this.closeWith(
        ws,
        new SimError(`invalid frame from server: ${(e as Error).message}`, undefined, true),
        1002,
      );
      return;
    }
    switch (frame.type) {
      case 'welcome':
        this.onWelcome(frame);
        return;
      case 'ack':
        // also while going offline: an ack racing our close still confirms what it names
        if (this.phase === 'handshake') return;
        this.ctx.counters.acked += this.outbox.ack(frame.seq);
        this.ctx.acked(this);
        this.ctx.markDirty(this);
        return;
      case 'config':
        this.routine.applyConfig(frame);
        return;
      case 'command':
        this.onCommand(ws, frame);
        return;
      case 'error':
        this.onErrorFrame(ws, frame);
        return;
    }
  }

  private onWelcome(frame: WelcomeFrame): void {
    if (this.phase !== 'handshake') return;
    this.handshakeTimer?.cancel();
    if (frame.protocol !== PROTOCOL_VERSION) {
      this.fail(new SimError(`server speaks protocol ${frame.protocol}`, 'LB_ERR_PROTOCOL_VERSION', false));
      return;
    }
    this.phase = 'online';
    this.attempt = 0;
    this.lastError = null;
    // everything after the server's ackSeq goes out again, in order
    this.ctx.counters.acked += this.outbox.welcome(frame.ackSeq);
    this.routine.start(frame.heartbeatSec);
    this.ctx.acked(this);
    this.ctx.markDirty(this);
    this.startWaiter?.resolve();
    this.startWaiter = null;
  }

  private onCommand(ws: WebSocket, frame: CommandFrame): void {
    const send = (
      status: CommandResultFrame['status'],
      results: CommandResultFrame['results'],
      message?: string,
    ) => {
      if (ws !== this.ws || this.phase !== 'online') return;
      const result: CommandResultFrame = {
        type: 'commandResult',
        id: frame.id,
        status,
        results: results.slice(0, 256),
      };
      if (message) result.message = message;
      ws.send(encodeFrame(result));
    };
    if (frame.expiresAt < Date.now()) {
      send('failed', [], 'command expired before it reached the device');
      return;
    }
    send('running', []);
    const results = this.routine.results(frame.check);
    // answer after the measurements would have taken, but within a second
    const slowest = Math.max(50, ...results.map((r) => (r.kind === 'probe' ? r.phases.totalMs : 0)));
    this.ctx.scheduler.at(Math.min(600, slowest), () => send('done', results));
  }

  private onErrorFrame(ws: WebSocket, frame: ErrorFrame): void {
    this.ctx.counters.errors++;
    this.retryAfterMs = frame.retryAfterMs ?? 0;
    if (AUTH_CODES.has(frame.code)) this.credentials = null; // enroll again: same hardwareId, new token
    const error = new SimError(frame.message, frame.code, !FATAL_CODES.has(frame.code));
    if (error.retryable) this.closeWith(ws, error);
    else this.fail(error);
  }

  /** Closes this connection; the close handler then backs off and reconnects. */
  private closeWith(ws: WebSocket, error: SimError, code = 1000): void {
    this.closeCause = error;
    ws.close(code);
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.handshakeTimer?.cancel();
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const resolve of waiters) resolve();
    if (this.heldOffline) return;
    if (code === 4401) this.credentials = null;
    if (code === 4426) {
      this.fail(new SimError('server refused the protocol version', 'LB_ERR_PROTOCOL_VERSION', false));
      return;
    }
    this.retry(
      this.closeCause ??
        new SimError(`connection closed (${code}${reason ? ` ${reason}` : ''})`, undefined, true),
    );
  }

  /** Exponential backoff with full jitter, never sooner than the server asked. */
  private retry(error: SimError): void {
    this.note(error);
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    const delay = Math.max(this.retryAfterMs, this.jitter.next() * ceiling);
    this.retryAfterMs = 0;
    this.phase = 'waiting';
    this.ctx.log(`${this.hostname}: ${error.message}; reconnecting in ${Math.round(delay)} ms`);
    this.reconnectTimer = this.ctx.scheduler.at(delay, () => {
      this.ctx.counters.reconnects++;
      void this.connect();
    });
  }

  private fail(error: SimError): void {
    this.note(error);
    this.generation++;
    this.phase = 'failed';
    this.cancelTimers();
    this.routine.stop();
    this.ctx.log(`${this.hostname}: ${error.message}; giving up`);
    this.ws?.close(1000, 'giving up');
    this.startWaiter?.reject(error);
    this.startWaiter = null;
  }

  private note(error: SimError): void {
    this.lastError = error;
    this.ctx.failed(this, error);
  }

  private cancelTimers(): void {
    this.handshakeTimer?.cancel();
    this.reconnectTimer?.cancel();
    this.handshakeTimer = null;
    this.reconnectTimer = null;
  }
}
