import { connect, createServer, type Server, type Socket } from 'node:net';

/** A protocol frame seen on the wire: `up` from the agent to the server, `down` the other way. */
export interface TappedFrame {
  at: number;
  dir: 'up' | 'down';
  frame: Record<string, unknown>;
}

/**
 * Reads WebSocket frames out of one direction of a byte stream after the HTTP upgrade head. Handles
 * frames split over TCP chunks and masked (client) frames; text and binary frames holding JSON are
 * reported, control frames skipped. Compression is never negotiated with the Lagebild server.
 */
class FrameReader {
  private buf = Buffer.alloc(0);
  private inHead = true;

  constructor(private readonly onFrame: (frame: Record<string, unknown>) => void) {}

  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.inHead) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.buf = this.buf.subarray(end + 4);
      this.inHead = false;
    }
    for (;;) {
      const frame = this.take();
      if (frame === undefined) return;
      if (frame === null) continue;
      try {
        const value: unknown = JSON.parse(frame.toString('utf8'));
        if (typeof value === 'object' && value !== null) this.onFrame(value as Record<string, unknown>);
      } catch {
        // not JSON: not a protocol frame
      }
    }
  }

  /** The next complete data frame's payload, null for a control frame, undefined when more bytes are needed. */
  private take(): Buffer | null | undefined {
    const b = this.buf;
    if (b.length < 2) return undefined;
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    const maskAt = offset;
    if (masked) offset += 4;
    if (b.length < offset + length) return undefined;
    const payload = Buffer.from(b.subarray(offset, offset + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= b[maskAt + (i % 4)]!;
    this.buf = b.subarray(offset + length);
    return opcode === 1 || opcode === 2 ? payload : null;
  }
}

/**
 * A TCP relay in front of a server that records, with the time it passed, every protocol frame of the
 * agent WebSocket connections going through it (enrollment and other HTTP pass through untouched).
 * It shows when a batch was acknowledged on the wire, which an agent process does not print.
 */
export class WsTap {
  readonly frames: TappedFrame[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string, agentPath = '/v1/agent'): Promise<WsTap> {
    const { hostname, port } = new URL(target);
    let tap: WsTap | undefined;
    const server = createServer((client) => {
      const upstream = connect(Number(port), hostname);
      tap?.track(client, upstream);
      let tapped: boolean | undefined;
      const up = new FrameReader((frame) => tap?.frames.push({ at: Date.now(), dir: 'up', frame }));
      const down = new FrameReader((frame) => tap?.frames.push({ at: Date.now(), dir: 'down', frame }));
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk);
        tapped ??= chunk.subarray(0, 4 + agentPath.length).toString('latin1') === `GET ${agentPath}`;
        if (tapped) up.push(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        client.write(chunk);
        if (tapped) down.push(chunk);
      });
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the tap has no port');
    tap = new WsTap(server, `http://127.0.0.1:${address.port}`);
    return tap;
  }

  /** Frames of one type, in the order they passed. */
  ofType(type: string, dir?: 'up' | 'down'): TappedFrame[] {
    return this.frames.filter((f) => f.frame.type === type && (dir === undefined || f.dir === dir));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(...sockets: Socket[]): void {
    for (const s of sockets) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    }
  }
}
