import type { LiveMessage } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { backoffDelay, connectLive, liveUrl, parseLiveMessage, type SocketLike } from './live.js';
import type { ConnectionStatus } from './state.js';
import { fleet } from './testing.js';

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  readyState = 0;
  readonly sent: unknown[] = [];
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  close() {
    this.closed = true;
  }
  receive(message: unknown) {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }
  drop() {
    this.onerror?.({});
    this.onclose?.({});
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const statuses: ConnectionStatus[] = [];
  const messages: LiveMessage[] = [];
  const client = connectLive({
    url: 'ws://127.0.0.1:1234/v1/live',
    onMessage: (m) => messages.push(m),
    onStatus: (s) => statuses.push(s),
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
    random: () => 0.5,
  });
  return { sockets, timers, statuses, messages, client };
}

const snapshot = { type: 'snapshot', serverTime: 1, fleet: fleet(), devices: [] };

describe('the live connection', () => {
  it('connects to /v1/live on the page host, over wss behind https', () => {
    expect(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/v1/live');
    expect(liveUrl({ protocol: 'https:', host: 'lagebild.stadt.example' })).toBe(
      'wss://lagebild.stadt.example/v1/live',
    );
  });

  it('says "live" once the snapshot arrived and hands every message on', () => {
    const h = harness();
    expect(h.statuses).toEqual(['connecting']);
    h.sockets[0]!.receive(snapshot);
    h.sockets[0]!.receive({ type: 'fleet', fleet: fleet({ online: 3 }) });
    expect(h.statuses).toEqual(['connecting', 'live']);
    expect(h.messages.map((m) => m.type)).toEqual(['snapshot', 'fleet']);
  });

  it('ignores frames that are not live messages', () => {
    const h = harness();
    h.sockets[0]!.receive('not json');
    h.sockets[0]!.receive({ type: 'hello' });
    h.sockets[0]!.receive('[1,2]');
    expect(h.messages).toEqual([]);
  });

  it('reconnects with growing delays after drops and resets them after a good snapshot', () => {
    const h = harness();
    h.sockets[0]!.drop();
    expect(h.statuses.at(-1)).toBe('reconnecting');
    expect(h.timers.map((t) => t.ms)).toEqual([500]);
    h.timers[0]!.fn();
    expect(h.sockets).toHaveLength(2);
    h.sockets[1]!.drop();
    expect(h.timers.map((t) => t.ms)).toEqual([500, 1000]);
    h.timers[1]!.fn();
    h.sockets[2]!.receive(snapshot);
    expect(h.statuses.at(-1)).toBe('live');
    h.sockets[2]!.drop();
    expect(h.timers.at(-1)?.ms).toBe(500);
  });

  it('stays closed after close(), even when the old socket reports its end', () => {
    const h = harness();
    h.client.close();
    expect(h.sockets[0]!.closed).toBe(true);
    h.sockets[0]!.drop();
    expect(h.timers).toEqual([]);
  });

  it('waits at most about 30 seconds between attempts', () => {
    expect(backoffDelay(0, () => 0.5)).toBe(500);
    expect(backoffDelay(3, () => 0.5)).toBe(4000);
    expect(backoffDelay(50, () => 0.5)).toBe(30_000);
    expect(backoffDelay(50, () => 1)).toBe(36_000);
    expect(backoffDelay(0, () => 0)).toBe(400);
  });

  it('asks for the watched device once open and again after every reconnect', () => {
    const h = harness();
    // before the socket is open nothing can be sent: the watch waits for the open
    h.client.watch('dev-1');
    expect(h.sockets[0]!.sent).toEqual([]);
    h.sockets[0]!.open();
    expect(h.sockets[0]!.sent).toEqual([{ type: 'watch', deviceId: 'dev-1' }]);
    // the same device again is no news; leaving the page is
    h.client.watch('dev-1');
    h.client.watch(null);
    expect(h.sockets[0]!.sent).toEqual([
      { type: 'watch', deviceId: 'dev-1' },
      { type: 'watch', deviceId: null },
    ]);
    h.client.watch('dev-2');
    h.sockets[0]!.drop();
    h.timers[0]!.fn();
    h.sockets[1]!.open();
    expect(h.sockets[1]!.sent).toEqual([{ type: 'watch', deviceId: 'dev-2' }]);
  });

  it('hands command results on like any live message', () => {
    const h = harness();
    h.sockets[0]!.receive({
      type: 'commandResult',
      deviceId: 'dev-1',
      commandId: 'cmd_1',
      status: 'running',
      results: [],
      at: 5,
    });
    expect(h.messages.map((m) => m.type)).toEqual(['commandResult']);
  });

  it('parses only text frames', () => {
    expect(parseLiveMessage(JSON.stringify(snapshot))?.type).toBe('snapshot');
    expect(parseLiveMessage(new Uint8Array([1]))).toBeNull();
  });
});
