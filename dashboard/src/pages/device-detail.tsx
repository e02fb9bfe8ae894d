import type { DeviceDetail, DeviceSummary, LatestProbe } from '@lagebild/shared';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, fetchDevice } from '../api.js';
import { ProbeOutcome } from '../components/badges.js';
import { CheckNow } from '../components/check-now.js';
import { DeviceCards } from '../components/device-cards.js';
import { DeviceFindings } from '../components/device-findings.js';
import { DeviceLatency } from '../components/device-latency.js';
import { DeviceTimeline } from '../components/device-timeline.js';
import { formatDateTime, formatMs } from '../format.js';
import { useLang, useNow } from '../hooks.js';
import type { Lang, Translate } from '../i18n.js';
import { Link } from '../router.js';
import type { Store } from '../store.js';

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

function ProbeRow({ probe: p, lang }: { probe: LatestProbe; lang: Lang }) {
  const ms = (v: number | undefined) => formatMs(v, lang);
  return (
    <tr data-testid="probe-row">
      <th scope="row">{p.app}</th>
      <td>
        <ProbeOutcome ok={p.ok} errorClass={p.errorClass} status={p.status} lang={lang} />
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

function DeviceView({
  device: d,
  store,
  now,
  lang,
  t,
}: {
  device: DeviceDetail;
  store: Store;
  now: number;
  lang: Lang;
  t: Translate;
}) {
  const apps = [...new Set(d.probes.map((p) => p.app))];
  return (
    <>
      <h1 data-testid="device-hostname">{d.hostname}</h1>
      <p class="lead">
        {t('detail.serial', { serial: d.serial })}
        {d.identity.manufacturer && ` · ${d.identity.manufacturer}`}
        {d.identity.model && ` ${d.identity.model}`}
      </p>
      <DeviceCards device={d} now={now} lang={lang} t={t} />
      <CheckNow deviceId={d.id} online={d.online} store={store} />
      <DeviceFindings device={d} />
      <DeviceLatency deviceId={d.id} apps={apps} />

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
                  <ProbeRow key={p.probeId} probe={p} lang={lang} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <DeviceTimeline events={d.events} now={now} lang={lang} t={t} />
    </>
  );
}

/**
 * One device: state cards, "Jetzt prüfen" with live results, latency against the fleet, latest probes
 * and the timeline of events; follows live changes.
 */
export function DeviceDetailPage({
  id,
  live,
  store,
}: {
  id: string;
  live: DeviceSummary | undefined;
  store: Store;
}) {
  const [lang, t] = useLang();
  const load = useDeviceDetail(id, live);
  // relative times ("seit 12 Min.") move on by themselves
  const now = useNow(30_000);

  // the live socket brings this device's "check now" results while the page is open
  useEffect(() => {
    store.dispatch({ type: 'watch', deviceId: id });
    return () => store.dispatch({ type: 'watch', deviceId: null });
  }, [store, id]);
  // the live summary is newer than the last fetch; the fetch fills in what summaries do not carry
  const device = load.kind === 'ready' ? (live ? { ...load.detail, ...live } : load.detail) : null;

  useEffect(() => {
    document.title = device ? `${device.hostname} – ${t('app.title')}` : t('app.title');
    return () => {
      document.title = t('app.title');
    };
  }, [device?.hostname, t]);

  let body: ComponentChildren;
  if (device) body = <DeviceView device={device} store={store} now={now} lang={lang} t={t} />;
  else if (load.kind === 'failed') {
    const notFound = load.error instanceof ApiError && load.error.status === 404;
    const forbidden = load.error instanceof ApiError && load.error.status === 403;
    const reason =
      load.error instanceof ApiError ? (load.error.code ?? `HTTP ${load.error.status}`) : String(load.error);
    body = (
      <>
        <h1>{live?.hostname ?? id}</h1>
        <p class="notice" role="alert">
          {notFound
            ? t('detail.notFound')
            : forbidden
              ? t('device.forbidden')
              : t('detail.error', { reason })}
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
