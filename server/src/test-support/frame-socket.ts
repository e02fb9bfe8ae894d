import WebSocket from 'ws';

/** A WebSocket client for tests: frames arrive in a queue, `next()` waits for the following one. */
export class FrameSocket {
  private readonly queue: unknown[] = [];
  private readonly waiters: ((frame: unknown) => void)[] = [];
  /** resolves with the close code and reason once the socket is closed */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame: unknown = JSON.parse(data.toString());
      const waiter = this.waiters.shift();
      if (waiter) waiter(frame);
      else this.queue.push(frame);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Opens a socket and waits until it is connected. */
  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<FrameSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const socket = new FrameSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  /** The next frame (parsed JSON); rejects after `timeoutMs`. */
  next<T = Record<string, unknown>>(timeoutMs = 3000): Promise<T> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (frame: unknown) => {
        clearTimeout(timer);
        resolve(frame as T);
      };
      this.waiters.push(waiter);
    });
  }

  /** Frames received so far and not yet taken with `next()`. */
  drain(): unknown[] {
    return this.queue.splice(0);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}
