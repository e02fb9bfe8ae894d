import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type ConfigFrame, decodeServerFrame } from '@lagebild/shared';
import { writeFileAtomic } from './fs-atomic.js';

/** What enrollment gives a device; the token is a secret. */
export interface Credentials {
  serverUrl: string;
  deviceId: string;
  token: string;
}

function readJson(path: string): unknown {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * The agent's state directory: `credentials.json` (mode 0600), `seq.json` (the next sequence number,
 * flushed before a number is used so it never goes backwards), `config.json` (last config from the server)
 * and the outbox log.
 */
export class AgentState {
  private next: number;

  private constructor(readonly dir: string) {
    const seq = readJson(this.path('seq.json')) as { next?: unknown } | null;
    this.next =
      typeof seq?.next === 'number' && Number.isSafeInteger(seq.next) && seq.next >= 1 ? seq.next : 1;
  }

  /** Opens (and creates) a state directory. */
  static open(dir: string): AgentState {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new AgentState(dir);
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  credentials(): Credentials | null {
    const c = readJson(this.path('credentials.json')) as Partial<Credentials> | null;
    if (typeof c?.serverUrl !== 'string' || typeof c.deviceId !== 'string' || typeof c.token !== 'string')
      return null;
    return { serverUrl: c.serverUrl, deviceId: c.deviceId, token: c.token };
  }

  saveCredentials(c: Credentials): void {
    const file = this.path('credentials.json');
    writeFileAtomic(file, `${JSON.stringify(c, null, 2)}\n`, 0o600);
    chmodSync(file, 0o600);
  }

  clearCredentials(): void {
    rmSync(this.path('credentials.json'), { force: true });
  }

  /** The sequence number the next observation gets. */
  nextSeq(): number {
    return this.next;
  }

  /** Takes `count` consecutive sequence numbers and returns the first; persisted before it returns. */
  takeSeq(count: number): number {
    const first = this.next;
    this.persistSeq(first + count);
    return first;
  }

  /** Makes sure the next sequence number is at least `min` (the server knows higher numbers than we do). */
  raiseSeq(min: number): void {
    if (min > this.next) this.persistSeq(min);
  }

  private persistSeq(next: number): void {
    writeFileAtomic(this.path('seq.json'), `${JSON.stringify({ next })}\n`);
    this.next = next;
  }

  /** Last config frame received from the server, reused while offline. */
  config(): ConfigFrame | null {
    const file = this.path('config.json');
    if (!existsSync(file)) return null;
    try {
      const frame = decodeServerFrame(readFileSync(file, 'utf8'));
      return frame.type === 'config' ? frame : null;
    } catch {
      return null;
    }
  }

  saveConfig(frame: ConfigFrame): void {
    writeFileAtomic(this.path('config.json'), `${JSON.stringify(frame, null, 2)}\n`);
  }
}
