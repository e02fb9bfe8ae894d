import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AgentFrame,
  type CommandResultFrame,
  decodeAgentFrame,
  ERRORS,
  type ErrorCode,
  encodeFrame,
  errorFrame,
  type HelloFrame,
  type Observation,
  PROTOCOL_VERSION,
  type ServerFrame,
} from '@lagebild/shared';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A tiny stand-in for the Lagebild server, speaking the real protocol over a real WebSocket:
 * POST /v1/enroll, hello → welcome (or auth error), batch → store + ack. For agent tests only.
 */
export class FakeServer {
  readonly hellos: HelloFrame[] = [];
  readonly observations: Observation[] = [];
  readonly results: CommandResultFrame[] = [];
  readonly closeCodes: number[] = [];
  readonly batchSizes: number[] = [];
  readonly tokens = new Set<string>();
  enrollments = 0;
  /** acknowledge batches as they arrive */
  autoAck = true;
  /** answer the next hello with this error instead of a welcome */
  refuseNext: { code: ErrorCode; retryAfterMs?: number } | undefined;
  private ackSeq = 0;
  private sockets = new Set<WebSocket>();
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {}

  static async start(port = 0): Promise<FakeServer> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: '/v1/agent' });
    await new Promise<void>((r) => http.listen(port, '127.0.0.1', r));
    const server = new FakeServer(http, wss, `http://127.0.0.1:${(http.address() as AddressInfo).port}`);
    http.on(
      'request',
      (req, res) => void server.enroll(req).then((r) => res.writeHead(r.status).end(r.body)),
    );
    wss.on('connection', (ws) => server.accept(ws));
    return server;
  }

  /** Highest seq stored. */
  get stored(): number {
    return this.ackSeq;
  }

  /** Seqs in the order they arrived (resends included). */
  get seqs(): number[] {
    return this.observations.map((o) => o.seq);
  }

  send(frame: ServerFrame): void {
    for (const ws of this.sockets) ws.send(encodeFrame(frame));
  }

  /** Cuts every connection without a close frame, like a lost network. */
  drop(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  /** Resolves when `check` holds (re-checked on every frame), or fails after `timeoutMs`. */
  async until(check: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 20);
      });
    }
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  /** the enrollment secret this server accepts */
  secret = 'geheim';

  private async enroll(req: IncomingMessage): Promise<{ status: number; body: string }> {
    let text = '';
    for await (const chunk of req) text += chunk;
    if ((JSON.parse(text) as { secret?: string }).secret !== this.secret) {
      const body = JSON.stringify({
        statusCode: 401,
        code: 'LB_ERR_ENROLL_SECRET_INVALID',
        message: 'wrong secret',
      });
      return { status: 401, body };
    }
    this.enrollments++;
    const token = `token-${this.enrollments}-${'x'.repeat(20)}`;
    this.tokens.add(token);
    return { status: 200, body: JSON.stringify({ deviceId: 'dev-1', token, protocol: PROTOCOL_VERSION }) };
  }

  private accept(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', (code) => {
      this.sockets.delete(ws);
      this.closeCodes.push(code);
      this.notify();
    });
    ws.on('message', (raw: Buffer) => {
      const frame: AgentFrame = decodeAgentFrame(raw);
      this.handle(ws, frame);
      this.notify();
    });
  }

  private handle(ws: WebSocket, frame: AgentFrame): void {
    if (frame.type === 'hello') {
      this.hellos.push(frame);
      const refusal =
        this.refuseNext ??
        (this.tokens.has(frame.token) ? undefined : { code: 'LB_ERR_AUTH_INVALID' as const });
      this.refuseNext = undefined;
      if (refusal) {
        ws.send(encodeFrame(errorFrame(refusal.code, undefined, refusal.retryAfterMs)));
        ws.close(ERRORS[refusal.code].close, refusal.code);
        return;
      }
      ws.send(
        encodeFrame({
          type: 'welcome',
          protocol: PROTOCOL_VERSION,
          serverVersion: 'fake',
          deviceId: frame.deviceId,
          ackSeq: this.ackSeq,
          heartbeatSec: 30,
        }),
      );
    } else if (frame.type === 'batch') {
      this.observations.push(...frame.observations);
      this.batchSizes.push(frame.observations.length);
      if (this.autoAck) {
        this.ackSeq = Math.max(this.ackSeq, frame.observations.at(-1)!.seq);
        ws.send(encodeFrame({ type: 'ack', seq: this.ackSeq }));
      }
    } else {
      this.results.push(frame);
    }
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
