import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { repoRoot } from '../helpers/process.js';

/** A free loopback port, chosen once so a restarted server can listen on the same one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface ServerProcessOptions {
  port: number;
  dataDir: string;
  enrollSecret: string;
  /** extra command-line flags, e.g. ['--connect-rate', '2000'] */
  extraArgs?: string[];
  /** how long to wait for the "listening" line (default 20 s) */
  startTimeoutMs?: number;
}

/** The built server (server/bin/lagebild-server.js) running as a child process. */
export class ServerProcess {
  private output = '';
  private listenUrl: string | null = null;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (d) => this.append(String(d)));
    child.stderr?.on('data', (d) => this.append(String(d)));
  }

  /** Starts the server and resolves once it prints its "listening" line. */
  static async start(o: ServerProcessOptions): Promise<ServerProcess> {
    const args = [
      `${repoRoot}server/bin/lagebild-server.js`,
      '--port',
      String(o.port),
      '--data',
      o.dataDir,
      '--enroll-secret',
      o.enrollSecret,
      '--log-level',
      'warn',
      ...(o.extraArgs ?? []),
    ];
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(child);
    try {
      await server.listening(o.startTimeoutMs ?? 20_000);
    } catch (e) {
      await server.kill();
      throw e;
    }
    return server;
  }

  /** The URL from the server's "listening" line. */
  get url(): string {
    if (!this.listenUrl) throw new Error('the server has not said where it listens');
    return this.listenUrl;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything the server printed (the last 64 KiB), for failure messages. */
  get log(): string {
    return this.output;
  }

  /** kill -9: no shutdown hook runs; resolves once the process is gone. */
  kill(): Promise<void> {
    return this.stop('SIGKILL');
  }

  /** Graceful stop (SIGTERM, then SIGKILL after 5 s); resolves once the process is gone. */
  async terminate(): Promise<void> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    try {
      await this.stop('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }

  private stop(signal: NodeJS.Signals): Promise<void> {
    if (!this.running) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    return exited;
  }

  private append(text: string): void {
    this.output = (this.output + text).slice(-65_536);
  }

  private listening(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.child.stdout?.off('data', onData);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolve();
      };
      const onData = () => {
        const m = /listening on (\S+)/.exec(this.output);
        if (!m?.[1]) return;
        this.listenUrl = m[1];
        done();
      };
      const onExit = (code: number | null) =>
        done(new Error(`the server exited (${code}) before listening:\n${this.output}`));
      const timer = setTimeout(
        () => done(new Error(`the server did not listen within ${timeoutMs} ms:\n${this.output}`)),
        timeoutMs,
      );
      this.child.stdout?.on('data', onData);
      this.child.once('exit', onExit);
      onData();
    });
  }
}
