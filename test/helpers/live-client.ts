import type { LiveMessage } from '@lagebild/shared';
import WebSocket from 'ws';

/** A dashboard-like WebSocket client that records every live message with its arrival time. */
export class LiveClient {
  readonly messages: { at: number; msg: LiveMessage }[] = [];
  private waiters: { match: (m: LiveMessage) => boolean; resolve: (m: LiveMessage) => void }[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as LiveMessage;
      this.messages.push({ at: Date.now(), msg });
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(msg)) return true;
        w.resolve(msg);
        return false;
      });
    });
  }

  /** Connects with the session cookie of a signed-in user (the live socket is behind the sign-in). */
  static async connect(baseUrl: string, cookie: string): Promise<LiveClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/live`, { headers: { cookie } });
    const client = new LiveClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** Resolves with the first message (already received or future) that matches, or rejects after timeoutMs. */
  waitFor<T extends LiveMessage>(match: (m: LiveMessage) => m is T, timeoutMs: number): Promise<T>;
  waitFor(match: (m: LiveMessage) => boolean, timeoutMs: number): Promise<LiveMessage>;
  waitFor(match: (m: LiveMessage) => boolean, timeoutMs: number): Promise<LiveMessage> {
    const seen = this.messages.find((m) => match(m.msg));
    if (seen) return Promise.resolve(seen.msg);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching live message within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}
