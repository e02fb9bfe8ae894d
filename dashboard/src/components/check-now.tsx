import type { ObservationData } from '@lagebild/shared';
import { useState } from 'preact/hooks';
import { ApiError, requestCheck } from '../api.js';
import { canOpenDevices, useRole } from '../auth/index.js';
import { type CheckPhase, type CheckRun, checkPhase, isActive, latestRun } from '../checks.js';
import { formatRemaining, formatSignal } from '../device-format.js';
import { formatClock, formatMs, formatPct, formatTime, linkLabel } from '../format.js';
import { useLang, useNow, useStoreState } from '../hooks.js';
import type { Lang, MessageKey, Translate } from '../i18n.js';
import type { Store } from '../store.js';
import { KeyBadge, ProbeOutcome, VpnBadge } from './badges.js';

/** How long a check asked for an offline device waits for it: about as long as a ServiceDesk call. */
export const QUEUE_TTL_SEC = 15 * 60;

type Probe = Extract<ObservationData, { kind: 'probe' }>;

/** Why asking for a check failed, in plain words. */
function requestError(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.status === 404) return t('check.errNotFound');
    if (error.status === 403) return t('check.errForbidden');
    if (error.status === 401) return t('check.errSession');
    if (error.status === 503 || error.code === 'LB_ERR_SERVER_BUSY') return t('check.errBusy');
    return t('check.errRequest', { reason: error.code ?? `HTTP ${error.status}` });
  }
  return t('check.errNetwork');
}

const PHASE_KEYS: Record<CheckPhase, MessageKey> = {
  queued: 'check.queued',
  sent: 'check.sent',
  running: 'check.running',
  done: 'check.done',
  failed: 'check.failed',
  expired: 'check.expired',
  stale: 'check.stale',
};
const PHASE_TONE: Record<CheckPhase, string> = {
  queued: 'warn',
  sent: 'muted',
  running: 'muted',
  done: 'good',
  failed: 'bad',
  expired: 'bad',
  stale: 'bad',
};

function StatusLine({ run, now, lang, t }: { run: CheckRun; now: number; lang: Lang; t: Translate }) {
  const phase = checkPhase(run, now);
  const active = phase === 'sent' || phase === 'running' || phase === 'queued';
  let detail: string | null = null;
  if (phase === 'queued' && run.expiresAt !== null)
    detail = t('check.queuedDetail', {
      remaining: formatRemaining(run.expiresAt, now, lang),
      until: formatClock(run.expiresAt, lang),
    });
  else if (phase === 'failed')
    // the agent's own words are technical and English: say it plainly, keep them as detail
    detail = run.message?.includes('expired') ? t('check.failedExpired') : t('check.failedDetail');
  else if (phase === 'done')
    detail = t('check.doneDetail', { n: run.results.length, time: formatTime(run.updatedAt, lang) });
  return (
    <div class="check-status" data-testid="check-status" data-status={phase}>
      <span class={`badge ${PHASE_TONE[phase]}`}>
        {active && <span class="spinner" aria-hidden="true" />}
        {t(PHASE_KEYS[phase])}
      </span>
      {detail && <span class="check-detail"> {detail}</span>}
      {phase === 'failed' && run.message && !run.message.includes('expired') && (
        <span class="sub"> ({t('check.agentSaid', { message: run.message })})</span>
      )}
    </div>
  );
}

function ProbeResults({ probes, lang, t }: { probes: Probe[]; lang: Lang; t: Translate }) {
  const ms = (v: number | undefined) => formatMs(v, lang);
  return (
    <div class="table-scroll">
      <table data-testid="check-probes">
        <caption>{t('check.probesCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('probe.app')}</th>
            <th scope="col">{t('probe.result')}</th>
            <th scope="col">{t('probe.dns')}</th>
            <th scope="col">{t('probe.connect')}</th>
            <th scope="col">{t('probe.tls')}</th>
            <th scope="col">{t('probe.ttfb')}</th>
            <th scope="col">{t('probe.total')}</th>
          </tr>
        </thead>
        <tbody>
          {probes.map((p, i) => (
            <tr key={`${p.probeId}-${i}`} data-testid="check-probe-row">
              <th scope="row">{p.app}</th>
              <td>
                <ProbeOutcome ok={p.ok} errorClass={p.errorClass} status={p.status} lang={lang} />
              </td>
              <td class="num">{ms(p.phases.dnsMs)}</td>
              <td class="num">{ms(p.phases.connectMs)}</td>
              <td class="num">{ms(p.phases.tlsMs)}</td>
              <td class="num">{ms(p.phases.ttfbMs)}</td>
              <td class="num strong">{ms(p.phases.totalMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The results that are not probes, one line each: tunnel, key, health. */
function OtherResults({ results, lang, t }: { results: ObservationData[]; lang: Lang; t: Translate }) {
  const items = results.flatMap((r, i) => {
    if (r.kind === 'vpn') {
      const reach =
        r.gatewayReachable == null
          ? ''
          : ` · ${t(r.gatewayReachable ? 'check.gwReachable' : 'check.gwUnreachable')}`;
      return [
        <li key={i} data-testid="check-vpn">
          <strong>{t('detail.vpn')}:</strong> <VpnBadge state={r.state} lang={lang} />
          {` · ${t('detail.rtt')} ${formatMs(r.gatewayRttMs, lang)}${reach}`}
        </li>,
      ];
    }
    if (r.kind === 'securityKey') {
      const model = r.keys.map((k) => k.model ?? k.product).join(', ');
      return [
        <li key={i}>
          <strong>{t('detail.securityKey')}:</strong>{' '}
          <KeyBadge present={r.available ? r.present : null} lang={lang} />
          {model && ` · ${model}`}
        </li>,
      ];
    }
    if (r.kind === 'health') {
      const signal =
        r.link === 'wifi'
          ? ` · ${t('device.signal')} ${formatSignal(r.wifiSignalPct, r.wifiSignalDbm, lang)}`
          : '';
      return [
        <li key={i}>
          <strong>{t('detail.health')}:</strong>{' '}
          {`${t('detail.cpu')} ${formatPct(r.cpuPct, lang)} · ${t('detail.memory')} ${formatPct(r.memPct, lang)} · ${linkLabel(r.link, lang)}${signal}`}
        </li>,
      ];
    }
    return [];
  });
  return items.length > 0 ? <ul class="check-other">{items}</ul> : null;
}

/**
 * "Jetzt prüfen": asks the agent to run every probe and state check now and shows the results as they
 * arrive over the live socket. Only for roles that may open devices; disabled while a check runs.
 */
export function CheckNow({ deviceId, online, store }: { deviceId: string; online: boolean; store: Store }) {
  const [lang, t] = useLang();
  const role = useRole();
  const state = useStoreState(store);
  const [posting, setPosting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(1000) + state.clockOffsetMs;
  if (!canOpenDevices(role)) return null;

  const run = latestRun(state.checks, deviceId);
  const busy = posting || isActive(run, now);
  const probes = (run?.results ?? []).filter((r): r is Probe => r.kind === 'probe');

  const start = async () => {
    setPosting(true);
    setError(null);
    try {
      const sent = await requestCheck(deviceId, QUEUE_TTL_SEC);
      store.dispatch({ type: 'checkRequested', deviceId, ...sent });
    } catch (e) {
      setError(requestError(e, t));
    } finally {
      setPosting(false);
    }
  };

  return (
    <section class="panel check-panel" aria-labelledby="check-title" data-testid="check-now">
      <div class="panel-head">
        <h2 id="check-title">{t('check.title')}</h2>
        <button
          type="button"
          class="button primary"
          onClick={() => void start()}
          disabled={busy}
          aria-describedby="check-hint"
          data-testid="check-now-button"
        >
          {busy ? t('check.buttonBusy') : t('check.button')}
        </button>
      </div>
      <p id="check-hint" class="panel-sub">
        {online ? t('check.hint') : t('check.hintOffline')}
      </p>
      {/* announced as results arrive; the table itself is not re-read on every change */}
      <div aria-live="polite" aria-atomic="true">
        {error && (
          <p class="notice" role="alert">
            {error}
          </p>
        )}
        {run && <StatusLine run={run} now={now} lang={lang} t={t} />}
      </div>
      {run && probes.length > 0 && <ProbeResults probes={probes} lang={lang} t={t} />}
      {run && <OtherResults results={run.results} lang={lang} t={t} />}
    </section>
  );
}
