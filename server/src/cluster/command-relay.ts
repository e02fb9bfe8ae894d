import type { CommandFrame } from '@lagebild/shared';
import type { AgentGateway } from '../gateway/gateway.js';
import type { Store } from '../store/store.js';
import type { ClusterBus } from './bus.js';
import type { BusLog } from './pg-bus.js';

export interface CommandRelayDeps {
  bus: ClusterBus;
  gateway: AgentGateway;
  store: Store;
  now: () => number;
  log: BusLog;
  /** how long the asking node waits for another node to report delivery before answering "queued" */
  waitMs: number;
}

/**
 * "Check now" across nodes. The node that got the request has stored the command; when the device is
 * connected elsewhere, it announces {deviceId, commandId} and the node holding the connection claims
 * the command through the store (only one claim succeeds) and sends it. Nothing is lost when no node
 * answers: the command stays queued and goes out after the agent's next hello, as on a single node.
 */
export class CommandRelay {
  private readonly waiters = new Map<string, (delivered: boolean) => void>();
  private detach: (() => void) | undefined;

  constructor(private readonly deps: CommandRelayDeps) {}

  start(): void {
    this.detach = this.deps.bus.subscribe((message) => {
      if (message.type === 'command') void this.deliverHere(message.deviceId, message.commandId);
      else if (message.type === 'delivered') this.waiters.get(message.commandId)?.(true);
    });
  }

  close(): void {
    this.detach?.();
    for (const finish of [...this.waiters.values()]) finish(false);
    this.waiters.clear();
  }

  /**
   * Announces a stored command for a device that has no connection here. True when another node
   * reported within `waitMs` that it sent it; false when it stays queued. Without a connection
   * anywhere (the store says offline) the answer is false at once.
   */
  async deliverElsewhere(deviceId: string, frame: CommandFrame): Promise<boolean> {
    const { bus, store, log, waitMs } = this.deps;
    const [summary] = await store.deviceSummaries([deviceId]);
    // registered before the announcement, so a fast answer is not missed
    const claimed = summary?.online ? this.waitFor(frame.id, waitMs) : undefined;
    try {
      await bus.publish({ type: 'command', deviceId, commandId: frame.id });
    } catch (err) {
      log.warn(
        { err, deviceId, commandId: frame.id },
        'cluster bus: announcing a command failed; it stays queued',
      );
      this.waiters.get(frame.id)?.(false);
      return false;
    }
    return claimed ? claimed : false;
  }

  /** Another node announced a command: send it if the device is connected here and the claim succeeds. */
  private async deliverHere(deviceId: string, commandId: string): Promise<void> {
    const { gateway, store, bus, now, log } = this.deps;
    if (!gateway.isConnected(deviceId)) return;
    try {
      // the store, not the message, says what to run: a notification carries ids only
      const command = await store.command(commandId, now());
      if (!command || command.deviceId !== deviceId || command.status !== 'queued') return;
      const frame: CommandFrame = {
        type: 'command',
        id: command.id,
        check: command.check,
        expiresAt: command.expiresAt,
      };
      if (!(await gateway.deliverHere(deviceId, frame))) return;
      await bus.publish({ type: 'delivered', commandId });
    } catch (err) {
      log.error({ err, deviceId, commandId }, 'delivering a command of another node failed');
    }
  }

  private waitFor(commandId: string, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (delivered: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(commandId);
        resolve(delivered);
      };
      const timer = setTimeout(() => finish(false), ms);
      this.waiters.set(commandId, finish);
    });
  }
}
