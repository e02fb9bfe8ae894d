import type { DeviceDetail, DeviceSummary, LatestProbe } from '@lagebild/shared';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, fetchDevice } from '../api.js';
import { KeyBadge, StatusBadge, VpnBadge } from '../components/badges.js';
import {
  eventKindLabel,
  eventValueLabel,
  formatDateTime,
  formatMs,
  formatPct,
  linkLabel,
  osLabel,
  probeErrorLabel,
} from '../format.js';
import { useLang } from '../hooks.js';
import type { Lang, Translate } from '../i18n.js';
import { Link } from '../router.js';

// a burst of live changes (e.g. a flapping tunnel) leads to one refetch, not one per message
const REFETCH_DELAY_MS = 1000;

type Load =
  | { kind: 'loading' }
  | { kind: 'ready'; detail: DeviceDetail }
  | { kind: 'failed'; error: unknown };

/** Loads the device and fetches it again shortly after each live change, keeping what is shown meanwhile. */
function useDeviceDetail(id: string, live: DeviceSummary | undefined): Load {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [generation, setGeneration] = useState(0);
  const seenLive = useRef(live);

  useEffect(() => {
    const abort = new AbortController();
    fetchDevice(id, abort.signal).then(
      (detail) => setLoad({ kind: 'ready', detail }),
      (error: unknown) => {
        if (!abort.signal.aborted)
          setLoad((prev) => (prev.kind === 'ready' ? prev : { kind: 'failed', error }));
      },
    );
    return () => abort.abort();
  }, [id, generation]);

  useEffect(() => {
    if (live === seenLive.current) return;
    seenLive.current = live;
    const timer = setTimeout(() => setGeneration((g) => g + 1), REFETCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [live]);

  return load;
}

function Facts({ children }: { children: ComponentChildren }) {
  return <dl class="facts">{children}</dl>;
}

function Fact({ label, children, testId }: { label: string; children: ComponentChildren; testId?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

function StateCard({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="card state-card">
      <h2>{title}</h2>
      {children}
    </section>
  );
}

function ts(value: number | null, lang: Lang, none: string) {
  return value === null ? (
    none
  ) : (
    <time dateTime={new Date(value).toISOString()}>{formatDateTime(value, lang)}</time>
  );
}

function HealthCard({ device: d, lang, t }: { device: DeviceDetail; lang: Lang; t: Translate }) {
  const h = d.health;
  if (!h) {
    return (
      <StateCard title={t('detail.health')}>
        <p class="muted-text">{t('detail.noHealth')}</p>
      </StateCard>
    );
  }
  const none = t('common.none');
  const wifi =
    h.link === 'wifi' && h.wifiSignalPct != null
      ? ` · ${t('detail.wifiSignal', { pct: formatPct(h.wifiSignalPct, lang) })}`
      : '';
  const power = h.onAc == null ? '' : ` · ${t(h.onAc ? 'detail.onAc' : 'detail.onBattery')}`;
  return (
    <StateCard title={t('detail.health')}>
      <Facts>
        <Fact label={t('detail.cpu')}>{formatPct(h.cpuPct, lang)}</Fact>
        <Fact label={t('detail.memory')}>{formatPct(h.memPct, lang)}</Fact>
        <Fact label={t('detail.link')}>
          {linkLabel(h.link, lang)}
          {wifi}
        </Fact>
        <Fact label={t('detail.battery')}>
          {h.batteryPct == null ? none : formatPct(h.batteryPct, lang)}
          {power}
        </Fact>
        <Fact label={t('detail.measuredAt')}>{ts(h.ts, lang, none)}</Fact>
      </Facts>
    </StateCard>
  );
}

function ProbeRow({ probe: p, lang, t }: { probe: LatestProbe; lang: Lang; t: Translate }) {
  const ms = (v: number | undefined) => formatMs(v, lang);
  return (
    <tr data-testid="probe-row">
      <th scope="row">{p.app}</th>
      <td>
        <span class={`badge ${p.ok ? 'good' : 'bad'}`}>
          <span class="badge-icon" aria-hidden="true">
            {p.ok ? '✓' : '✗'}
          </span>
          {p.ok ? t('probe.ok') : t('probe.failed', { reason: probeErrorLabel(p.errorClass, lang) })}
          {p.status !== null && <span class="sub"> ({p.status})</span>}
        </span>
      </td>
      <td class="num">{ms(p.phases.dnsMs)}</td>
      <td class="num">{ms(p.phases.connectMs)}</td>
      <td class="num">{ms(p.phases.tlsMs)}</td>
      <td class="num">{ms(p.phases.ttfbMs)}</td>
      <td class="num strong">{ms(p.phases.totalMs)}</td>
      <td class="num">{formatDateTime(p.ts, lang)}</td>
    </tr>
  );
}

function DeviceView({ device: d, lang, t }: { device: DeviceDetail; lang: Lang; t: Translate }) {
  const none = t('common.none');
  const keyModel = d.securityKey.model ?? (d.securityKeys.map((k) => k.product).join(', ') || none);
  const os = osLabel(d.os, d.osVersion, d.identity.osBuild, lang);
  // newest first, whatever order the server used
  const events = [...d.events].sort((a, b) => b.ts - a.ts);
  return (
    <>
      <h1 data-testid="device-hostname">{d.hostname}</h1>
      <p class="lead">
        {t('detail.serial', { serial: d.serial })}
        {d.identity.manufacturer && ` · ${d.identity.manufacturer}`}
        {d.identity.model && ` ${d.identity.model}`}
      </p>
      <div class="state-cards">
        <StateCard title={t('detail.contact')}>
          <Facts>
            <Fact label={t('table.status')} testId="detail-status">
              <StatusBadge online={d.online} lang={lang} />
            </Fact>
            <Fact label={t('detail.lastSeen')}>{ts(d.lastSeen, lang, none)}</Fact>
            <Fact label={t('detail.agentVersion')}>{d.agentVersion ?? none}</Fact>
            <Fact label={t('detail.os')}>{os}</Fact>
          </Facts>
        </StateCard>
        <StateCard title={t('detail.vpn')}>
          <Facts>
            <Fact label={t('table.status')} testId="detail-vpn">
              <VpnBadge state={d.vpn.state} lang={lang} />
            </Fact>
            <Fact label={t('detail.vendor')}>{d.vpn.vendor ?? none}</Fact>
            <Fact label={t('detail.gateway')}>{d.vpn.gateway ?? none}</Fact>
            <Fact label={t('detail.since')}>{ts(d.vpn.since, lang, none)}</Fact>
            <Fact label={t('detail.rtt')}>{formatMs(d.vpnDetail.gatewayRttMs, lang)}</Fact>
            <Fact label={t('detail.flaps')}>{d.vpnDetail.changesLastHour ?? none}</Fact>
          </Facts>
        </StateCard>
        <StateCard title={t('detail.securityKey')}>
          <Facts>
            <Fact label={t('table.status')} testId="detail-key">
              <KeyBadge present={d.securityKey.present} lang={lang} />
            </Fact>
            <Fact label={t('detail.keyModel')}>{keyModel}</Fact>
          </Facts>
        </StateCard>
        <HealthCard device={d} lang={lang} t={t} />
      </div>

      <section class="panel" aria-labelledby="probes-title">
        <h2 id="probes-title">{t('detail.probes')}</h2>
        {d.probes.length === 0 ? (
          <p class="muted-text">{t('detail.noProbes')}</p>
        ) : (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">{t('detail.probes')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('probe.app')}</th>
                  <th scope="col">{t('probe.result')}</th>
                  <th scope="col">{t('probe.dns')}</th>
                  <th scope="col">{t('probe.connect')}</th>
                  <th scope="col">{t('probe.tls')}</th>
                  <th scope="col">{t('probe.ttfb')}</th>
                  <th scope="col">{t('probe.total')}</th>
                  <th scope="col">{t('probe.time')}</th>
                </tr>
              </thead>
              <tbody>
                {d.probes.map((p) => (
                  <ProbeRow key={p.probeId} probe={p} lang={lang} t={t} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="panel" aria-labelledby="events-title">
        <h2 id="events-title">{t('detail.events')}</h2>
        {events.length === 0 ? (
          <p class="muted-text">{t('detail.noEvents')}</p>
        ) : (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">{t('detail.events')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('event.time')}</th>
                  <th scope="col">{t('event.kind')}</th>
                  <th scope="col">{t('event.change')}</th>
                  <th scope="col">{t('event.detail')}</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e, i) => (
                  // events have no id; time + kind + position is stable within one response
                  <tr key={`${e.ts}-${e.kind}-${i}`} data-testid="event-row">
                    <td class="num">{formatDateTime(e.ts, lang)}</td>
                    <td>{eventKindLabel(e.kind, lang)}</td>
                    <td>
                      {e.from === null && e.to === null
                        ? none
                        : `${eventValueLabel(e.from, lang)} → ${eventValueLabel(e.to, lang)}`}
                    </td>
                    <td>{e.detail ?? none}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

/** One device: state cards, latest probes with phases, recent events; follows live changes. */
export function DeviceDetailPage({ id, live }: { id: string; live: DeviceSummary | undefined }) {
  const [lang, t] = useLang();
  const load = useDeviceDetail(id, live);
  // the live summary is newer than the last fetch; the fetch fills in what summaries do not carry
  const device = load.kind === 'ready' ? (live ? { ...load.detail, ...live } : load.detail) : null;

  useEffect(() => {
    document.title = device ? `${device.hostname} – ${t('app.title')}` : t('app.title');
    return () => {
      document.title = t('app.title');
    };
  }, [device?.hostname, t]);

  let body: ComponentChildren;
  if (device) body = <DeviceView device={device} lang={lang} t={t} />;
  else if (load.kind === 'failed') {
    const notFound = load.error instanceof ApiError && load.error.status === 404;
    const reason =
      load.error instanceof ApiError ? (load.error.code ?? `HTTP ${load.error.status}`) : String(load.error);
    body = (
      <>
        <h1>{live?.hostname ?? id}</h1>
        <p class="notice" role="alert">
          {notFound ? t('detail.notFound') : t('detail.error', { reason })}
        </p>
      </>
    );
  } else {
    body = (
      <p class="muted-text" aria-busy="true">
        {t('detail.loading')}
      </p>
    );
  }

  return (
    <>
      <p class="back">
        <Link href="/">← {t('detail.back')}</Link>
      </p>
      {body}
    </>
  );
}
