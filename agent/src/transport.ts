import { EventEmitter } from 'node:events';
import {
  AGENT_WS_PATH,
  type BatchFrame,
  type Capability,
  type CommandFrame,
  type CommandResultFrame,
  type ConfigFrame,
  decodeServerFrame,
  ERRORS,
  type ErrorCode,
  encodeFrame,
  type HelloFrame,
  isLagebildError,
  MAX_FRAME_BYTES,
  type Observation,
  PROTOCOL_VERSION,
  type ServerFrame,
} from '@lagebild/shared';
import WebSocket from 'ws';
import { Backoff } from './backoff.js';
import type { ClockOffset } from './clock-offset.js';
import { type Clock, messageOf, systemClock } from './collector.js';
import { serverEndpoint } from './enroll.js';
import { type Logger, silentLogger } from './log.js';
import type { Outbox } from './outbox.js';
import type { Credentials } from './state.js';
import { type ServerTrust, ServerUntrusted, trustedConnector } from './tls-trust.js';
import { AGENT_VERSION } from './version.js';

export interface TransportOptions {
  serverUrl: string;
  /** current credentials; they change after a re-enrollment */
  credentials: () => Credentials;
  outbox: Outbox;
  capabilities: () => Promise<Capability[]>;
  configVersion?: () => number | undefined;
  onConfig?: (frame: ConfigFrame) => void;
  onCommand?: (frame: CommandFrame, reply: (result: CommandResultFrame) => boolean) => void;
  /** enrolls again; called once when the server refuses the credentials */
  reenroll?: () => Promise<void>;
  log?: Logger;
  backoff?: Backoff;
  /** a connection that lasted this long resets the backoff */
  stableMs?: number;
  now?: Clock;
  agentVersion?: string;
  /** how wss:// is verified (CA file, pinned fingerprints); default: the bundled root CAs */
  trust?: ServerTrust;
  /** fed with the serverTime of welcome (round trip from hello) and ack frames (from the acknowledged batch) */
  clockOffset?: ClockOffset;
}

const WELCOME_TIMEOUT_MS = 30_000;
const AUTH_CODES: readonly string[] = ['LB_ERR_AUTH_INVALID', 'LB_ERR_AUTH_MISSING'];

function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && v in ERRORS;
}

/**
 * The agent's WebSocket connection: hello, then batches from the outbox as acks come back; reconnects with
 * exponential backoff and full jitter. Events: `connected` (welcome), `disconnected`, `ack` (seq).
 */
export class Transport extends EventEmitter {
  private readonly o: TransportOptions;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private readonly now: Clock;
  private ws: WebSocket | undefined;
  private ready = false;
  private connectedAt = 0;
  private stopping = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private silenceMs = 0;
  private lastError: { code: string; retryAfterMs?: number } | undefined;
  private reenrolled = false;
  private helloSentAt = 0;
  /** send time of each batch in flight, by its last seq: an ack's round trip for the clock offset */
  private readonly batchSentAt = new Map<number, number>();

  constructor(options: TransportOptions) {
    super();
    this.o = options;
    this.log = options.log ?? silentLogger;
    this.backoff = options.backoff ?? new Backoff();
    this.now = options.now ?? systemClock;
    options.outbox.onPending(() => this.flush());
  }

  get url(): string {
    return serverEndpoint(this.o.serverUrl, AGENT_WS_PATH, true);
  }

  /** True between welcome and disconnect. */
  get connected(): boolean {
    return this.ready;
  }

  start(): void {
    this.stopping = false;
    this.connect();
  }

  /**
   * After resume or a network change: check a live connection with a ping (no pong in `probeMs` →
   * reconnect), or end a pending backoff wait and connect now. A wait the server asked for
   * (`retryAfterMs`) is kept.
   */
  nudge(probeMs = 5_000): void {
    if (this.stopping) return;
    const ws = this.ws;
    if (this.ready && ws) {
      const timer = setTimeout(() => {
        this.log.info(`no answer from the server within ${probeMs / 1000} s after resume; reconnecting`);
        ws.terminate();
      }, probeMs);
      ws.once('pong', () => clearTimeout(timer));
      ws.once('close', () => clearTimeout(timer));
      ws.ping();
      return;
    }
    if (this.retryTimer && this.lastError?.retryAfterMs === undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.log.info('trying the server now instead of waiting');
      this.connect();
    }
  }

  /** Sends a frame that is not spooled (command results); false when not connected. */
  send(frame: CommandResultFrame): boolean {
    if (!this.ready || !this.ws) return false;
    this.ws.send(encodeFrame(frame));
    return true;
  }

  /** Sends what is waiting (up to `drainMs` for the acks), then closes the connection cleanly. */
  async stop(drainMs = 2000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    if (!ws) return;
    if (this.ready && this.o.outbox.size() > 0) {
      this.flush();
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.off('ack', check);
          this.off('disconnected', done);
          resolve();
        };
        const check = () => {
          if (this.o.outbox.size() === 0) done();
        };
        const timer = setTimeout(done, drainMs);
        this.on('ack', check);
        this.on('disconnected', done);
      });
    }
    if (ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => ws.terminate(), 1000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000, 'agent stopping');
    });
  }

  private connect(): void {
    if (this.stopping) return;
    const url = this.url;
    this.lastError = undefined;
    this.log.debug(`connecting to ${url}`);
    const ws = new WebSocket(url, {
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: 15_000,
      // the upgrade request waits until the certificate passed the CA or pin check
      ...(url.startsWith('wss:') ? { createConnection: trustedConnector(this.o.trust ?? {}) as never } : {}),
    });
    this.ws = ws;
    ws.on('open', () => {
      // a server that takes the hello but never answers is as good as none
      this.watchdog = setTimeout(() => {
        this.log.warn(`no welcome from ${url} within ${WELCOME_TIMEOUT_MS / 1000} s; reconnecting`);
        ws.terminate();
      }, WELCOME_TIMEOUT_MS);
      void this.hello(ws);
    });
    ws.on('message', (data: WebSocket.RawData) => {
      this.alive();
      this.onFrame(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer));
    });
    ws.on('ping', () => this.alive());
    ws.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof ServerUntrusted)
        this.log.error(`${e.code}: refusing ${url}: ${e.message}; nothing was sent`);
      else this.log.warn(`connection to ${url} failed: ${e.code ?? ''} ${e.message}`.trim());
    });
    ws.on('close', (code: number, reason: Buffer) => void this.onClose(ws, code, reason.toString()));
  }

  private async hello(ws: WebSocket): Promise<void> {
    try {
      const creds = this.o.credentials();
      const hello: HelloFrame = {
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agentVersion: this.o.agentVersion ?? AGENT_VERSION,
        deviceId: creds.deviceId,
        token: creds.token,
        capabilities: await this.o.capabilities(),
      };
      const configVersion = this.o.configVersion?.();
      if (configVersion !== undefined) hello.configVersion = configVersion;
      if (ws.readyState === WebSocket.OPEN) {
        this.helloSentAt = this.now();
        ws.send(encodeFrame(hello));
      }
    } catch (e) {
      this.log.error(`cannot send hello: ${messageOf(e)}`);
      ws.terminate();
    }
  }

  private onFrame(raw: Buffer): void {
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(raw);
    } catch (e) {
      const code = isLagebildError(e) ? e.code : 'LB_ERR_FRAME_INVALID';
      this.log.warn(`ignoring a server frame: ${code} ${messageOf(e)}`);
      return;
    }
    switch (frame.type) {
      case 'welcome':
        clearTimeout(this.watchdog);
        this.ready = true;
        this.connectedAt = this.now();
        this.o.outbox.welcome(frame.ackSeq);
        this.batchSentAt.clear();
        if (frame.serverTime !== undefined)
          this.o.clockOffset?.add(this.helloSentAt, this.now(), frame.serverTime);
        this.silenceMs = (frame.heartbeatSec * 2 + 5) * 1000;
        this.alive();
        this.log.info(
          `connected to ${this.url} as device ${frame.deviceId} (server has seq ${frame.ackSeq}, ${this.o.outbox.size()} waiting)`,
        );
        this.emit('connected', frame);
        this.flush();
        return;
      case 'ack':
        this.clockFromAck(frame.seq, frame.serverTime);
        this.o.outbox.ack(frame.seq);
        this.emit('ack', frame.seq);
        this.flush();
        return;
      case 'config':
        this.log.debug(`config version ${frame.version} received`);
        this.o.onConfig?.(frame);
        return;
      case 'command':
        if (frame.expiresAt < this.now()) {
          this.log.info(`command ${frame.id} (${frame.check}) expired before it arrived; ignored`);
          return;
        }
        this.o.onCommand?.(frame, (result) => this.send(result));
        return;
      case 'error':
        this.lastError = { code: frame.code, retryAfterMs: frame.retryAfterMs };
        this.log.error(`server error ${frame.code}: ${frame.message}`);
        return;
    }
  }

  /** Sends batches while the outbox has some and the in-flight window allows. */
  private flush(): void {
    const ws = this.ws;
    if (!this.ready || !ws || ws.readyState !== WebSocket.OPEN) return;
    for (let batch = this.o.outbox.nextBatch(); batch; batch = this.o.outbox.nextBatch()) {
      this.sendBatch(ws, batch);
    }
  }

  private sendBatch(ws: WebSocket, observations: Observation[]): void {
    const frame: BatchFrame = { type: 'batch', observations };
    try {
      ws.send(encodeFrame(frame));
      if (this.o.clockOffset) this.batchSentAt.set(observations[observations.length - 1]!.seq, this.now());
    } catch (e) {
      // too large for one frame: halves keep the order, the ack of the last covers both
      if (isLagebildError(e) && e.code === 'LB_ERR_FRAME_TOO_LARGE' && observations.length > 1) {
        const half = Math.ceil(observations.length / 2);
        this.sendBatch(ws, observations.slice(0, half));
        this.sendBatch(ws, observations.slice(half));
      } else {
        this.log.error(`cannot send observation ${observations[0]?.seq}: ${messageOf(e)}`);
      }
    }
  }

  /** An ack of exactly one batch's last seq closes that batch's round trip; older batches are answered too. */
  private clockFromAck(seq: number, serverTime: number | undefined): void {
    const sentAt = this.batchSentAt.get(seq);
    if (sentAt !== undefined && serverTime !== undefined)
      this.o.clockOffset?.add(sentAt, this.now(), serverTime);
    for (const s of this.batchSentAt.keys()) if (s <= seq) this.batchSentAt.delete(s);
  }

  /** The server showed a sign of life; a silent connection (sleep, dead VPN) is dropped. */
  private alive(): void {
    if (!this.ready || this.silenceMs <= 0) return;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      this.log.warn(`no sign of life from the server for ${this.silenceMs / 1000} s; reconnecting`);
      this.ws?.terminate();
    }, this.silenceMs);
  }

  private async onClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (ws !== this.ws) return;
    const wasReady = this.ready;
    this.ready = false;
    clearTimeout(this.watchdog);
    this.o.outbox.disconnected();
    this.emit('disconnected', code);
    if (this.stopping) {
      this.ws = undefined;
      return;
    }
    if (wasReady && this.now() - this.connectedAt >= (this.o.stableMs ?? 30_000)) {
      this.backoff.reset();
      this.reenrolled = false;
    }
    // the close reason carries the code when the error frame did not make it
    const errCode = this.lastError?.code ?? (isErrorCode(reason) ? reason : undefined);
    if (errCode && AUTH_CODES.includes(errCode) && this.o.reenroll && !this.reenrolled) {
      this.reenrolled = true;
      try {
        await this.o.reenroll();
        this.log.info('enrolled again after the server refused the credentials');
        this.retry(0, wasReady, code, reason);
        return;
      } catch (e) {
        this.log.error(`re-enrollment failed: ${isLagebildError(e) ? e.code : ''} ${messageOf(e)}`.trim());
      }
    }
    this.retry(this.backoff.next(this.lastError?.retryAfterMs ?? 0), wasReady, code, reason);
  }

  private retry(delayMs: number, wasReady: boolean, code: number, reason: string): void {
    if (this.stopping) return;
    const why = reason ? `${code} ${reason}` : `${code}`;
    const what = wasReady ? 'disconnected' : 'not connected';
    this.log.info(`${what} (${why}); retry in ${(delayMs / 1000).toFixed(1)} s`);
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
  }
}
