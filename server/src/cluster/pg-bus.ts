import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ClusterBus, ClusterListener, ClusterMessage } from './bus.js';
import { encodeMessage, Reassembler } from './wire.js';

/** The logger calls the bus makes (a Fastify/pino logger fits). */
export interface BusLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const SILENT: BusLog = { info() {}, warn() {}, error() {} };

export interface PgBusOptions {
  /** postgres://… of the database the nodes share */
  url: string;
  /** the schema the store uses; nodes on different schemas (separate installations, tests) do not hear each other */
  schema?: string;
  nodeId?: string;
  log?: BusLog;
  /** first wait before reconnecting, doubled per failed attempt up to `reconnectMaxMs` */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** how long a connection attempt may take */
  connectTimeoutMs?: number;
}

/** PostgreSQL channel names are identifiers: at most 63 bytes. */
export function channelFor(schema: string): string {
  const name = `lagebild_${schema}`;
  if (Buffer.byteLength(name) <= 63) return name;
  return `lagebild_${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}

/**
 * The cluster bus on PostgreSQL LISTEN/NOTIFY. One dedicated connection listens (reconnecting with
 * backoff and listening again after it drops); notifications leave through a one-connection pool, so
 * they go out in the order they were published. Independent of the store's own connections.
 */
export class PgBus implements ClusterBus {
  readonly shared = true;
  readonly nodeId: string;
  readonly channel: string;
  private client: pg.Client | undefined;
  private readonly pool: pg.Pool;
  private readonly reassembler = new Reassembler();
  private readonly listeners = new Set<ClusterListener>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly log: BusLog;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;

  constructor(private readonly o: PgBusOptions) {
    this.nodeId = o.nodeId ?? randomBytes(6).toString('hex');
    this.channel = channelFor(o.schema ?? 'public');
    this.log = o.log ?? SILENT;
    this.pool = new pg.Pool({
      connectionString: o.url,
      max: 1,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 60_000,
      application_name: `lagebild-bus-notify ${this.nodeId}`,
    });
    // an idle connection that drops must not crash the process; the next query reconnects
    this.pool.on('error', (err) => this.log.warn({ err }, 'cluster bus: idle notify connection lost'));
  }

  /** True while the listening connection is up. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('the cluster bus is closed');
    this.client = await this.listen();
  }

  async publish(message: ClusterMessage): Promise<void> {
    if (this.closed) return;
    const payloads = encodeMessage(this.nodeId, message);
    // one statement: the parts of a split message leave together
    await this.pool.query(
      'SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i',
      [this.channel, payloads],
    );
  }

  subscribe(listener: ClusterListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.listeners.clear();
    this.reconnectListeners.clear();
    await Promise.allSettled([client?.end(), this.pool.end()]);
  }

  private async listen(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.o.url,
      connectionTimeoutMillis: this.o.connectTimeoutMs ?? 10_000,
      application_name: `lagebild-bus ${this.nodeId}`,
      // a connection cut without a FIN (firewall, failover) is noticed instead of listening to nothing
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on('notification', (n) => {
      if (n.channel === this.channel && n.payload) this.receive(n.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    } catch (e) {
      await client.end().catch(() => {});
      throw e;
    }
    return client;
  }

  private receive(payload: string): void {
    const got = this.reassembler.accept(payload);
    if (!got) return;
    // NOTIFY reaches the sender's own LISTEN too
    if (got.from === this.nodeId) return;
    for (const listener of this.listeners) {
      try {
        listener(got.message, got.from);
      } catch (err) {
        this.log.error({ err, type: got.message.type }, 'cluster bus: a listener failed');
      }
    }
  }

  private lost(client: pg.Client, err?: Error): void {
    if (client !== this.client || this.closed) return;
    this.client = undefined;
    this.log.warn({ err }, 'cluster bus: connection to PostgreSQL lost; reconnecting');
    client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const min = this.o.reconnectMinMs ?? 200;
    const max = this.o.reconnectMaxMs ?? 10_000;
    // jitter: nodes that lost the database together do not all come back in the same millisecond
    const delay = Math.min(max, min * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    let client: pg.Client;
    try {
      client = await this.listen();
    } catch (err) {
      this.log.warn({ err, attempt: this.attempt }, 'cluster bus: reconnecting failed');
      return this.scheduleReconnect();
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.attempt = 0;
    this.log.info({ channel: this.channel }, 'cluster bus: listening again');
    for (const listener of this.reconnectListeners) {
      try {
        listener();
      } catch (err) {
        this.log.error({ err }, 'cluster bus: a reconnect listener failed');
      }
    }
  }
}
