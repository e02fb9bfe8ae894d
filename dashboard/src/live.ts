import { LIVE_WS_PATH, type LiveClientMessage, type LiveMessage } from '@lagebild/shared';
import type { ConnectionStatus } from './state.js';

/** The part of the browser's WebSocket the client uses, so tests can hand in a fake. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  readonly readyState: number;
  send(data: string): void;
  close(): void;
}

/** WebSocket.OPEN; the constant is not available where tests run without a browser. */
const OPEN = 1;

export interface LiveClientOptions {
  url: string;
  onMessage: (message: LiveMessage) => void;
  onStatus: (status: ConnectionStatus) => void;
  /** defaults to the browser's WebSocket */
  createSocket?: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
}

export interface LiveClient {
  /**
   * Asks for the "check now" results of one device (null: none). Remembered and sent again after
   * every reconnect, since the server forgets it with the connection.
   */
  watch(deviceId: string | null): void;
  /** Stops for good: closes the socket and cancels any pending reconnect. */
  close(): void;
}

const MESSAGE_TYPES = new Set<string>(['snapshot', 'device', 'fleet', 'probes', 'commandResult']);

/** The live endpoint on the host that served the page: wss behind https, ws otherwise. */
export function liveUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${LIVE_WS_PATH}`;
}

/** Reconnect delay: doubles from 0.5 s up to 30 s, with ±20 % jitter so dashboards do not stampede. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Parses one frame; anything that is not a known live message is ignored (returns null). */
export function parseLiveMessage(data: unknown): LiveMessage | null {
  if (typeof data !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && MESSAGE_TYPES.has(type) ? (value as LiveMessage) : null;
}

/**
 * Connects to the live endpoint and stays connected: after a drop it reconnects with backoff and
 * reports "reconnecting"; it reports "live" once a snapshot arrived, which replaces all state.
 */
export function connectLive(options: LiveClientOptions): LiveClient {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const setTimer = options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const random = options.random ?? Math.random;

  let socket: SocketLike | null = null;
  let timer: unknown = null;
  let attempt = 0;
  let stopped = false;
  let watching: string | null = null;

  const sendWatch = (ws: SocketLike) => {
    if (ws.readyState !== OPEN) return;
    const message: LiveClientMessage = { type: 'watch', deviceId: watching };
    ws.send(JSON.stringify(message));
  };

  const scheduleReconnect = () => {
    if (stopped || timer !== null) return;
    options.onStatus('reconnecting');
    timer = setTimer(
      () => {
        timer = null;
        open();
      },
      backoffDelay(attempt++, random),
    );
  };

  const open = () => {
    if (stopped) return;
    const ws = createSocket(options.url);
    socket = ws;
    ws.onopen = () => {
      if (socket === ws && watching !== null) sendWatch(ws);
    };
    ws.onmessage = (ev) => {
      if (socket !== ws) return;
      const message = parseLiveMessage(ev.data);
      if (!message) return;
      if (message.type === 'snapshot') {
        // only a connection that delivered the picture counts as healthy
        attempt = 0;
        options.onStatus('live');
      }
      options.onMessage(message);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      scheduleReconnect();
    };
    // an error is always followed by close, which reconnects
    ws.onerror = () => {};
  };

  options.onStatus('connecting');
  open();

  return {
    watch(deviceId) {
      if (deviceId === watching) return;
      watching = deviceId;
      if (socket) sendWatch(socket);
    },
    close() {
      stopped = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
      const ws = socket;
      socket = null;
      ws?.close();
    },
  };
}
