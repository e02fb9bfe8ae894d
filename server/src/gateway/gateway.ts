import { randomBytes } from 'node:crypto';
import { type CheckName, type CommandFrame, type ErrorCode, LagebildError } from '@lagebild/shared';
import type { ProbeConfigService } from '../probe-config/service.js';
import type { Store } from '../store/store.js';
import type { AgentSession } from './session.js';

export interface GatewayDeps {
  store: Store;
  config: ProbeConfigService;
  now: () => number;
  commandTtlMs: number;
}

/** How a node reaches agents connected to other server nodes; absent when the node is alone. */
export interface GatewayCluster {
  /** The device has no connection here: the node that holds it should send the stored command; true when one did in time. */
  deliverElsewhere(deviceId: string, frame: CommandFrame): Promise<boolean>;
  /** This node stopped and recorded these devices offline: other nodes' dashboards should show it. */
  devicesStopped(deviceIds: string[]): void;
}

/** The connected agents of this node: one session per device; commands and config pushes go through it. */
export class AgentGateway {
  private readonly sessions = new Map<string, AgentSession>();
  /** set while the server shuts down: closing sessions then do not touch the store */
  shuttingDown = false;
  private cluster: GatewayCluster | undefined;

  constructor(private readonly deps: GatewayDeps) {}

  /** Lets commands for devices connected to other nodes reach them (set by the cluster plugin). */
  useCluster(cluster: GatewayCluster | undefined): void {
    this.cluster = cluster;
  }

  /** Makes `session` the device's connection; an older one is told LB_ERR_REPLACED and closed. */
  attach(deviceId: string, session: AgentSession): void {
    const old = this.sessions.get(deviceId);
    this.sessions.set(deviceId, session);
    if (old && old !== session) old.fail('LB_ERR_REPLACED');
  }

  /** Forgets `session`; true when it was still the device's current connection. */
  detach(deviceId: string, session: AgentSession): boolean {
    if (this.sessions.get(deviceId) !== session) return false;
    this.sessions.delete(deviceId);
    return true;
  }

  isConnected(deviceId: string): boolean {
    return this.sessions.has(deviceId);
  }

  /** Ids of the devices connected to this node. */
  connectedDevices(): string[] {
    return [...this.sessions.keys()];
  }

  /** Ends the device's open connection, if any, with a coded error (revoked, token replaced). */
  disconnect(deviceId: string, code: ErrorCode, detail: string): boolean {
    const session = this.sessions.get(deviceId);
    if (!session) return false;
    // the session detaches itself on close and records the device offline
    session.fail(code, detail);
    return true;
  }

  /**
   * Asks an agent to run one predefined check. Sent at once when the device is connected (to this node,
   * or to another one that claims it in time), else stored and delivered after its next hello unless it
   * expired first. Throws LB_ERR_NOT_FOUND for an unknown device.
   */
  async sendCommand(
    deviceId: string,
    check: CheckName,
    ttlMs: number = this.deps.commandTtlMs,
  ): Promise<{ commandId: string; delivered: boolean; expiresAt: number }> {
    const { store, now } = this.deps;
    if (!(await store.deviceAuth(deviceId)))
      throw new LagebildError('LB_ERR_NOT_FOUND', `device ${deviceId}`);
    const at = now();
    const frame: CommandFrame = {
      type: 'command',
      id: `cmd_${randomBytes(8).toString('hex')}`,
      check,
      expiresAt: at + ttlMs,
    };
    // stored before it leaves, so a fast commandResult always finds its row
    await store.addCommand({ id: frame.id, deviceId, check, now: at, expiresAt: frame.expiresAt });
    const session = this.sessions.get(deviceId);
    const delivered = session
      ? await session.deliver(frame)
      : ((await this.cluster?.deliverElsewhere(deviceId, frame)) ?? false);
    return { commandId: frame.id, delivered, expiresAt: frame.expiresAt };
  }

  /** Sends a command stored by another node if the device is connected here; true when this node claimed and sent it. */
  async deliverHere(deviceId: string, frame: CommandFrame): Promise<boolean> {
    const session = this.sessions.get(deviceId);
    return session ? session.deliver(frame) : false;
  }

  /** Sends the current config frame to every connected agent; returns how many got it. */
  async pushConfig(): Promise<number> {
    const frame = await this.deps.config.frame();
    let sent = 0;
    for (const session of this.sessions.values()) if (session.send(frame)) sent++;
    return sent;
  }

  /** Server shutdown: records every connected device as offline, then closes the sessions (1001). */
  async stop(): Promise<void> {
    this.shuttingDown = true;
    const sessions = [...this.sessions];
    this.sessions.clear();
    const offline: string[] = [];
    try {
      for (const [deviceId, session] of sessions) {
        try {
          await this.deps.store.markOffline(deviceId, this.deps.now(), 'server stopped');
          offline.push(deviceId);
        } finally {
          session.shutdown();
        }
      }
    } finally {
      if (offline.length > 0) this.cluster?.devicesStopped(offline);
    }
  }
}
