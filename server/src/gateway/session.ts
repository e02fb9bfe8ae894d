import {
  type BatchFrame,
  type CommandFrame,
  type CommandResultFrame,
  type ConfigFrame,
  decodeAgentFrame,
  ERRORS,
  type ErrorCode,
  encodeFrame,
  errorFrame,
  type HelloFrame,
  isLagebildError,
  PROTOCOL_VERSION,
  type ServerFrame,
} from '@lagebild/shared';
import type { FastifyBaseLogger } from 'fastify';
import WebSocket from 'ws';
import { TokenBucket } from '../admission/token-bucket.js';
import type { LiveHub } from '../live/hub.js';
import type { IngestObserver } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import { SERVER_VERSION } from '../version.js';
import { tokenMatches } from './credentials.js';
import type { AgentGateway } from './gateway.js';

export interface SessionDeps {
  store: Store;
  live: LiveHub;
  gateway: AgentGateway;
  configFrame: () => Promise<ConfigFrame>;
  now: () => number;
  heartbeatSec: number;
  helloTimeoutMs: number;
  log: FastifyBaseLogger;
  /** frames per second one agent may send on average, and at once above that */
  frameRatePerSec: number;
  frameBurst: number;
  /** frames received but not yet handled; a legitimate agent keeps a few batches in flight */
  maxQueuedFrames: number;
  /** unsent bytes for this agent beyond which it counts as not reading and is cut off */
  maxBufferedBytes: number;
  /** called once when the hello is done (welcome or refusal) or the socket closed: frees an admission slot */
  releaseAdmission: () => void;
  /** counts stored batches and failed ingests for /metrics */
  metrics?: IngestObserver;
}

type State = 'awaiting-hello' | 'authenticating' | 'ready' | 'closed';

/**
 * One agent connection: hello within the timeout, then batches acknowledged after commit. Frames are
 * handled strictly one after another so acks leave in order; any bad frame ends the connection with
 * its coded error, before anything of it is stored.
 */
export class AgentSession {
  private state: State = 'awaiting-hello';
  private deviceId: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private helloTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private alive = true;
  /** token hash seen at hello: a re-enrollment or revocation elsewhere changes it */
  private tokenHash = '';
  private readonly frames: TokenBucket;
  private queued = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    this.frames = new TokenBucket(deps.frameRatePerSec, deps.frameBurst);
  }

  /** Starts the hello timer and listens; call once right after the upgrade. */
  start(): void {
    this.helloTimer = setTimeout(() => this.fail('LB_ERR_HELLO_TIMEOUT'), this.deps.helloTimeoutMs);
    this.socket.on('message', (data: WebSocket.RawData) => {
      this.alive = true;
      if (this.state === 'closed') return;
      // a flood is refused before it is parsed or queued: memory per connection stays bounded
      if (!this.frames.take() || this.queued >= this.deps.maxQueuedFrames) {
        this.deps.log.warn({ deviceId: this.deviceId, queued: this.queued }, 'agent sends too many frames');
        return this.fail('LB_ERR_SERVER_BUSY', 'too many frames', this.frames.waitMs() + 1000);
      }
      this.queued++;
      const raw = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      this.queue = this.queue
        .then(() => this.handle(raw))
        .catch((e) => this.crash(e))
        .finally(() => this.queued--);
    });
    this.socket.on('pong', () => {
      this.alive = true;
    });
    this.socket.on('close', () => void this.onClose());
  }

  /** Sends a frame if the socket is open; false otherwise. */
  send(frame: ServerFrame): boolean {
    if (this.state === 'closed' || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(encodeFrame(frame));
    // a client that never reads would make ws buffer without end: cut it off instead
    if (this.socket.bufferedAmount > this.deps.maxBufferedBytes) {
      this.deps.log.warn(
        { deviceId: this.deviceId, bufferedBytes: this.socket.bufferedAmount },
        'agent does not read its socket: connection dropped',
      );
      this.state = 'closed';
      this.stopTimers();
      this.socket.terminate();
      return false;
    }
    return true;
  }

  /** Claims a queued command and sends it; puts it back when the connection is already gone. */
  async deliver(frame: CommandFrame): Promise<boolean> {
    const { store, now } = this.deps;
    if (!(await store.commandDelivered(frame.id, now()))) return false;
    if (this.send(frame)) return true;
    await store.commandRequeued(frame.id, now());
    return false;
  }

  /** Sends the coded error frame and closes with the code's close code. */
  fail(code: ErrorCode, detail?: string, retryAfterMs?: number): void {
    if (this.state === 'closed') return;
    this.send(errorFrame(code, detail, retryAfterMs));
    this.state = 'closed';
    this.stopTimers();
    this.deps.releaseAdmission();
    this.socket.close(ERRORS[code].close, code);
  }

  /** Closes because the server stops; the agent reconnects to another node or later. */
  shutdown(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.stopTimers();
    this.socket.close(1001, 'server shutting down');
  }

  private async handle(raw: Buffer): Promise<void> {
    if (this.state === 'closed') return;
    let frame: ReturnType<typeof decodeAgentFrame>;
    try {
      frame = decodeAgentFrame(raw);
    } catch (e) {
      if (isLagebildError(e)) return this.fail(e.code, e.detail);
      throw e;
    }
    if (frame.type === 'hello') {
      if (this.state !== 'awaiting-hello')
        return this.fail('LB_ERR_FRAME_UNEXPECTED', 'hello was already sent');
      return this.hello(frame);
    }
    if (this.state !== 'ready') return this.fail('LB_ERR_FRAME_UNEXPECTED', `${frame.type} before hello`);
    if (frame.type === 'batch') return this.batch(frame);
    return this.commandResult(frame);
  }

  private async hello(frame: HelloFrame): Promise<void> {
    this.state = 'authenticating';
    const { store, gateway, live, now } = this.deps;
    const auth = await store.deviceAuth(frame.deviceId);
    if (this.state !== 'authenticating') return; // closed meanwhile (hello timeout, client gone)
    if (!auth || !tokenMatches(frame.token, auth.tokenHash)) return this.fail('LB_ERR_AUTH_INVALID');
    clearTimeout(this.helloTimer);
    this.deviceId = auth.deviceId;
    this.tokenHash = auth.tokenHash;
    this.state = 'ready';
    this.deps.releaseAdmission();
    gateway.attach(auth.deviceId, this);
    await store.markOnline(auth.deviceId, {
      now: now(),
      capabilities: frame.capabilities,
      agentVersion: frame.agentVersion,
    });
    live.deviceChanged(auth.deviceId);
    this.deps.log.debug({ deviceId: auth.deviceId, agentVersion: frame.agentVersion }, 'agent connected');
    this.send({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      serverVersion: SERVER_VERSION,
      deviceId: auth.deviceId,
      ackSeq: auth.lastSeq,
      heartbeatSec: this.deps.heartbeatSec,
      serverTime: this.deps.now(),
    });
    this.send(await this.deps.configFrame());
    this.startPing();
    // checks asked for while the device was offline, oldest first; expired ones stay behind
    for (const c of await store.pendingCommands(auth.deviceId, now())) {
      await this.deliver({ type: 'command', id: c.id, check: c.check, expiresAt: c.expiresAt });
    }
  }

  /** False (and the connection closed) when the device was revoked or re-enrolled since hello. */
  private async stillAuthorized(deviceId: string): Promise<boolean> {
    const auth = await this.deps.store.deviceAuth(deviceId);
    if (auth && auth.tokenHash === this.tokenHash) return true;
    this.fail('LB_ERR_AUTH_INVALID', 'the device was revoked or enrolled again');
    return false;
  }

  private async batch(frame: BatchFrame): Promise<void> {
    const deviceId = this.deviceId!;
    if (!(await this.stillAuthorized(deviceId))) return;
    let result: Awaited<ReturnType<Store['ingestBatch']>>;
    const started = performance.now();
    try {
      result = await this.deps.store.ingestBatch(deviceId, frame.observations, this.deps.now());
    } catch (e) {
      this.deps.metrics?.ingestFailed();
      this.deps.log.error({ err: e, deviceId }, 'storing a batch failed');
      return this.fail('LB_ERR_STORE_FAILED');
    }
    this.deps.metrics?.batchStored(result, (performance.now() - started) / 1000);
    // the ack leaves only after the commit above: the agent may now forget these observations
    this.send({ type: 'ack', seq: result.ackSeq, serverTime: this.deps.now() });
    if (result.summaryChanged) this.deps.live.deviceChanged(deviceId);
    this.deps.live.probesStored(result.samples);
  }

  private async commandResult(frame: CommandResultFrame): Promise<void> {
    const deviceId = this.deviceId!;
    const { store, now, live, log } = this.deps;
    const known = await store.commandResult(deviceId, frame.id, frame.status, frame.message ?? null, now());
    // results of unknown ids (another node's, or long gone) are still shown to whoever watches
    if (!known) log.debug({ deviceId, commandId: frame.id }, 'result for an unknown command');
    live.commandResult({ deviceId, result: frame });
  }

  /** A handler failed outside the protocol (the store, most likely): the agent resends after reconnecting. */
  private crash(e: unknown): void {
    this.deps.log.error({ err: e, deviceId: this.deviceId }, 'agent connection failed');
    this.fail('LB_ERR_STORE_FAILED');
  }

  private startPing(): void {
    // a notebook that vanished (sleep, pulled cable) sends no close frame: a missed pong ends the session
    this.pingTimer = setInterval(() => {
      if (!this.alive) {
        this.deps.log.debug({ deviceId: this.deviceId }, 'agent missed its heartbeat');
        this.socket.terminate();
        return;
      }
      this.alive = false;
      this.socket.ping();
    }, this.deps.heartbeatSec * 1000);
  }

  private stopTimers(): void {
    clearTimeout(this.helloTimer);
    clearInterval(this.pingTimer);
  }

  private async onClose(): Promise<void> {
    this.state = 'closed';
    this.stopTimers();
    this.deps.releaseAdmission();
    const { deviceId } = this;
    const { gateway, store, live, now, log } = this.deps;
    if (!deviceId || !gateway.detach(deviceId, this) || gateway.shuttingDown) return;
    try {
      // wait for a batch still being stored, so its ack order and the offline event stay in sequence
      await this.queue;
      await store.markOffline(deviceId, now());
      live.deviceChanged(deviceId);
      log.debug({ deviceId }, 'agent disconnected');
    } catch (e) {
      log.error({ err: e, deviceId }, 'marking a device offline failed');
    }
  }
}
