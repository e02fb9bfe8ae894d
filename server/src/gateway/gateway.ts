import { randomBytes } from 'node:crypto';
import type { CheckName, CommandFrame } from '@lagebild/shared';
import type { ProbeConfigService } from '../probe-config/service.js';
import type { Store } from '../store/store.js';
import type { AgentSession } from './session.js';

export interface GatewayDeps {
  store: Store;
  config: ProbeConfigService;
  now: () => number;
  commandTtlMs: number;
}

/** The connected agents of this node: one session per device; commands and config pushes go through it. */
export class AgentGateway {
  private readonly sessions = new Map<string, AgentSession>();
  /** set while the server shuts down: closing sessions then do not touch the store */
  shuttingDown = false;

  constructor(private readonly deps: GatewayDeps) {}

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

  /** Asks a connected agent to run one predefined check; returns the command id, or false if not connected. */
  sendCommand(deviceId: string, check: CheckName): string | false {
    const session = this.sessions.get(deviceId);
    if (!session) return false;
    const frame: CommandFrame = {
      type: 'command',
      id: `cmd_${randomBytes(8).toString('hex')}`,
      check,
      expiresAt: this.deps.now() + this.deps.commandTtlMs,
    };
    return session.send(frame) ? frame.id : false;
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
    for (const [deviceId, session] of sessions) {
      try {
        await this.deps.store.markOffline(deviceId, this.deps.now(), 'server stopped');
      } finally {
        session.shutdown();
      }
    }
  }
}
