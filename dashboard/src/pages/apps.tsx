import { useEffect, useState } from 'preact/hooks';
import { fetchStats } from '../api.js';
import { Choice } from '../components/choice.js';
import { StatsTable } from '../components/stats-table.js';
import { failureReason, useLoad } from '../components/use-load.js';
import { useLang } from '../hooks.js';
import type { Translate } from '../i18n.js';
import { Link } from '../router.js';
import { appPath, appsPath, RANGES, type RangeKey } from '../routes.js';
import { RANGE_SPEC, statsRows } from '../stats.js';

/** The time range choice shared by both Fachverfahren pages. */
export function RangeChoice({
  value,
  onChange,
  t,
}: {
  value: RangeKey;
  onChange: (r: RangeKey) => void;
  t: Translate;
}) {
  return (
    <Choice
      legend={t('apps.range')}
      name="range"
      value={value}
      options={RANGES.map((r) => ({ value: r, label: t(`apps.range.${r}`) }))}
      onChange={onChange}
      testId="range"
    />
  );
}

/** Fachverfahren: every application with p50/p95/p99, error rate and runs over the chosen range. */
export function AppsPage({ initialRange }: { initialRange: RangeKey }) {
  const [, t] = useLang();
  const [range, setRange] = useState(initialRange);

  useEffect(() => {
    const path = appsPath(range);
    if (`${location.pathname}${location.search}` !== path) history.replaceState(null, '', path);
  }, [range]);

  useEffect(() => {
    document.title = `${t('apps.title')} – ${t('app.title')}`;
    return () => {
      document.title = t('app.title');
    };
  }, [t]);

  const load = useLoad((signal) => fetchStats({ minutes: RANGE_SPEC[range].minutes }, signal), [range]);
  const stats = load.kind === 'ready' ? load.value : load.previous;
  const rows = stats ? statsRows(stats) : [];

  return (
    <>
      <h1>{t('apps.title')}</h1>
      <p class="lead">{t('apps.lead')}</p>
      <section class="panel" aria-labelledby="apps-table-title">
        <div class="panel-head">
          <h2 id="apps-table-title">{t('apps.caption', { range: t(`apps.range.${range}`) })}</h2>
          <RangeChoice value={range} onChange={setRange} t={t} />
        </div>
        {load.kind === 'failed' && (
          <p class="notice" role="alert">
            {t('apps.error', { reason: failureReason(load.error) })}
          </p>
        )}
        {!stats && load.kind === 'loading' && (
          <p class="muted-text" aria-busy="true">
            {t('apps.loading')}
          </p>
        )}
        {stats && rows.length === 0 && <p class="empty">{t('apps.empty')}</p>}
        {rows.length > 0 && (
          <div aria-busy={load.kind === 'loading' ? 'true' : 'false'}>
            <StatsTable
              rows={rows}
              caption={t('apps.caption', { range: t(`apps.range.${range}`) })}
              firstHeader={t('apps.app')}
              first={(r) => <Link href={appPath(r.app, { range })}>{r.app}</Link>}
              testId="apps-table"
            />
          </div>
        )}
      </section>
    </>
  );
}
