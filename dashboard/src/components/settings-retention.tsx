import { fetchSettings } from '../api.js';
import { localeOf } from '../format.js';
import { useLang } from '../hooks.js';
import type { Lang } from '../i18n.js';
import { failureText, Section } from './settings-common.js';
import { useLoad } from './use-load.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** A period in the largest whole unit, e.g. "14 Tage", "8 Stunden", "10 Minuten". */
export function formatPeriod(ms: number, lang: Lang): string {
  const [n, unit] =
    ms >= DAY && ms % DAY === 0
      ? [ms / DAY, 'day']
      : ms >= HOUR && ms % HOUR === 0
        ? [ms / HOUR, 'hour']
        : [Math.round(ms / MIN), 'minute'];
  return new Intl.NumberFormat(localeOf(lang), { style: 'unit', unit, unitDisplay: 'long' }).format(n);
}

/** How long each kind of data is kept and how long sessions last; set by the server options. */
export function SettingsRetention() {
  const [lang, t] = useLang();
  const load = useLoad((signal) => fetchSettings(signal), []);
  const rows =
    load.kind === 'ready'
      ? ([
          ['settings.retention.raw', load.value.retention.rawMs],
          ['settings.retention.minute', load.value.retention.minuteMs],
          ['settings.retention.hour', load.value.retention.hourMs],
          ['settings.retention.events', load.value.retention.eventsMs],
          ['settings.retention.sessionIdle', load.value.sessions.idleMs],
          ['settings.retention.sessionAbsolute', load.value.sessions.absoluteMs],
        ] as const)
      : null;
  return (
    <Section id="aufbewahrung" title={t('settings.retention.title')} intro={t('settings.retention.intro')}>
      {load.kind === 'failed' ? (
        <p class="notice" role="alert">
          {failureText(t, load.error)}
        </p>
      ) : !rows ? (
        <p class="muted-text">{t('settings.loading')}</p>
      ) : (
        <>
          <dl class="facts settings-retention" data-testid="retention">
            {rows.map(([key, ms]) => (
              <div key={key}>
                <dt>{t(key)}</dt>
                <dd>{formatPeriod(ms, lang)}</dd>
              </div>
            ))}
          </dl>
          <p class="muted-text">
            {load.kind === 'ready' && load.value.retentionIntervalMs > 0
              ? t('settings.retention.every', { period: formatPeriod(load.value.retentionIntervalMs, lang) })
              : t('settings.retention.never')}
          </p>
        </>
      )}
    </Section>
  );
}
