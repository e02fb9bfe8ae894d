import { hostname } from 'node:os';
import { type ConfigFrame, isLagebildError } from '@lagebild/shared';
import { Backoff } from './backoff.js';
import { ClockOffset } from './clock-offset.js';
import { messageOf } from './collector.js';
import { hardwareId } from './collectors/identity.js';
import { loadProbeTls } from './collectors/probe-tls.js';
import { runCommand } from './commands.js';
import { type LocalConfig, localConfigFrame } from './config.js';
import { EnrollSecretMissing, ensureEnrolled, normalizeServerUrl } from './enroll.js';
import { type Logger, silentLogger } from './log.js';
import { NetworkWatch } from './network-watch.js';
import { Outbox } from './outbox.js';
import { type CollectorSet, capabilitiesOf, defaultCollectors, Planner } from './plan.js';
import { Scheduler } from './scheduler.js';
import { SleepDetector } from './sleep.js';
import { AgentState, type Credentials } from './state.js';
import { effectiveTrust, savePins } from './tls-pins.js';
import {
  assertSecureServerUrl,
  loadServerTrust,
  type ServerTlsConfig,
  ServerUntrusted,
} from './tls-trust.js';
import { Transport } from './transport.js';
import { AGENT_VERSION } from './version.js';

export interface AgentOptions {
  serverUrl: string;
  stateDir: string;
  enrollSecret?: string;
  /** probes, VPN check and intervals from the local config file */
  local?: LocalConfig;
  /** trust for the server; default: `local.serverTls` */
  serverTls?: ServerTlsConfig;
  /** allow plain http/ws to a host that is not loopback (development); default: `local.allowInsecure` */
  allowInsecure?: boolean;
  log?: Logger;
  /** collectors to use instead of the real ones (tests) */
  collectors?: CollectorSet;
  fetch?: typeof fetch;
  /** reconnect and enrollment-retry backoff */
  backoff?: () => Backoff;
  /** how long stop() waits for the last acks */
  drainMs?: number;
  /** notices sleep/resume (tests pass one with fake clocks) */
  sleep?: SleepDetector;
  /** notices network changes (tests pass one with a fake signature) */
  network?: NetworkWatch;
}

export interface RunningAgent {
  state: AgentState;
  outbox: Outbox;
  scheduler: Scheduler;
  transport: Transport;
  /** local clock minus server clock, from welcome/ack round trips */
  clockOffset: ClockOffset;
  sleep: SleepDetector;
  /** the config in force: the server's last, else the local one */
  config(): ConfigFrame;
  stop(): Promise<void>;
}

// refusals that retrying cannot fix; anything else (network down) is retried
const FATAL = new Set(['LB_ERR_ENROLL_SECRET_INVALID', 'LB_ERR_ENROLL_INVALID', 'LB_ERR_PROTOCOL_VERSION']);

/**
 * Starts the agent: measuring begins at once (also offline, into the outbox); enrollment and the
 * connection follow. Rejects only when the server refuses enrollment for good (wrong secret).
 */
export async function startAgent(o: AgentOptions): Promise<RunningAgent> {
  const log = o.log ?? silentLogger;
  const serverUrl = normalizeServerUrl(o.serverUrl);
  // before anything touches the network or the disk: no clear-text channel by accident
  assertSecureServerUrl(serverUrl, o.allowInsecure ?? o.local?.allowInsecure ?? false);
  const configuredTrust = loadServerTrust(o.serverTls ?? o.local?.serverTls);
  const state = AgentState.open(o.stateDir);
  const trust = effectiveTrust(configuredTrust, state, serverUrl);
  // rotation: newly configured pins replace the stored ones of the same server
  if (configuredTrust.fingerprints && state.credentials()?.serverUrl === serverUrl)
    savePins(state, serverUrl, configuredTrust.fingerprints);
  if (serverUrl.startsWith('https:') || serverUrl.startsWith('wss:'))
    log.info(
      `server certificate checked against ${
        [
          trust.fingerprints ? `pinned SHA-256 ${trust.fingerprints.join(', ')}` : '',
          trust.caFile ? `CA file ${trust.caFile}` : '',
        ]
          .filter(Boolean)
          .join(' and ') || 'the bundled public root CAs'
      }`,
    );
  const outbox = Outbox.open(state, { spool: o.local?.spool, log });
  const clockOffset = new ClockOffset();
  const sleep = o.sleep ?? new SleepDetector();
  const tls = loadProbeTls(o.local?.tls?.caFile);
  const set =
    o.collectors ??
    defaultCollectors({
      vpn: o.local?.vpn,
      groups: { site: o.local?.site, orgUnit: o.local?.orgUnit },
      tls,
      clockOffset,
      sleep,
    });
  const planner = new Planner(set);
  let config = state.config() ?? localConfigFrame(o.local ?? {});
  const scheduler = new Scheduler({
    sink: (items) => outbox.push(items),
    // loud once per collector per 15 min (the same moment a collector-failed observation goes out)
    onError: (name, e, reported) => {
      if (reported) log.warn(`collector ${name} failed: ${messageOf(e)}`);
      else log.debug(`collector ${name} failed again: ${messageOf(e)}`);
    },
    onRecover: (name, runs) => log.info(`collector ${name} works again after ${runs} failed runs`),
  });
  const device = async () => ({ hardwareId: await hardwareId(), hostname: hostname() });

  let credentials: Credentials | undefined;
  const enrollOnce = async (force: boolean) => {
    const r = await ensureEnrolled({
      state,
      serverUrl,
      secret: o.enrollSecret ?? o.local?.enrollSecret,
      device,
      fetch: o.fetch,
      trust,
      force,
    });
    credentials = r.credentials;
    if (r.enrolled) log.info(`enrolled at ${serverUrl} as device ${r.credentials.deviceId}`);
  };

  const transport = new Transport({
    serverUrl,
    credentials: () => credentials!,
    outbox,
    capabilities: () => capabilitiesOf(scheduler.collectors()),
    configVersion: () => (config.version > 0 ? config.version : undefined),
    onConfig: (frame) => {
      if (JSON.stringify(frame) === JSON.stringify(config)) return;
      config = frame;
      state.saveConfig(frame);
      log.info(`config version ${frame.version} applied: ${frame.probes.length} probes`);
      scheduler.configure(planner.plan(frame));
    },
    onCommand: (cmd, reply) =>
      void runCommand(cmd, {
        names: () => Object.keys(scheduler.plan()),
        runNow: (n) => scheduler.runNow(n),
        reply,
        log,
      }),
    reenroll: () => enrollOnce(true),
    trust,
    log,
    backoff: o.backoff?.(),
    clockOffset,
  });

  outbox.push([
    {
      ts: Date.now(),
      data: {
        kind: 'agent',
        event: 'started',
        detail: `lagebild-agent ${AGENT_VERSION} on ${process.platform}`,
      },
    },
  ]);
  scheduler.configure(planner.plan(config));
  // after sleep: say so, forget the clock offset (NTP may correct the clock now) and measure everything at once
  sleep.onResume(({ sleptMs }) => {
    log.info(`resumed after ${Math.round(sleptMs / 1000)} s of sleep; measuring now`);
    outbox.push([{ ts: Date.now(), data: { kind: 'agent', event: 'resumed', sleptMs } }]);
    clockOffset.reset();
    // the connection most likely died while asleep: find out now, not when the watchdog fires
    transport.nudge();
    void scheduler.runAfterResume();
  });
  sleep.start();
  // a new network (roamed, cable, tunnel up) may reach the server now: try at once instead of after the backoff
  const network = o.network ?? new NetworkWatch();
  network.onChange(() => {
    log.info('network changed; checking the connection to the server now');
    transport.nudge();
  });
  network.start();

  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const enrollBackoff = o.backoff?.() ?? new Backoff();
  const connectWhenEnrolled = async (): Promise<void> => {
    try {
      await enrollOnce(false);
      if (!stopped) transport.start();
    } catch (e) {
      if ((isLagebildError(e) && FATAL.has(e.code)) || e instanceof EnrollSecretMissing) throw e;
      const delay = enrollBackoff.next();
      // a captive portal or a wrong certificate: retried, since the network may change, but loud
      if (e instanceof ServerUntrusted)
        log.error(
          `${e.code}: enrollment at ${serverUrl} refused, the secret was not sent: ${e.message}; retry in ${(delay / 1000).toFixed(1)} s`,
        );
      else
        log.warn(
          `enrollment at ${serverUrl} failed (${messageOf(e)}); measuring offline, retry in ${(delay / 1000).toFixed(1)} s`,
        );
      retryTimer = setTimeout(
        () =>
          void connectWhenEnrolled().catch((err) =>
            log.error(`enrollment refused: ${isLagebildError(err) ? `${err.code} ` : ''}${messageOf(err)}`),
          ),
        delay,
      );
    }
  };
  try {
    await connectWhenEnrolled();
  } catch (e) {
    sleep.stop();
    network.stop();
    await scheduler.stop();
    throw e;
  }

  return {
    state,
    outbox,
    scheduler,
    transport,
    clockOffset,
    sleep,
    config: () => config,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(retryTimer);
      sleep.stop();
      network.stop();
      await scheduler.stop();
      outbox.push([{ ts: Date.now(), data: { kind: 'agent', event: 'stopping' } }]);
      await transport.stop(o.drainMs ?? 2000);
    },
  };
}
