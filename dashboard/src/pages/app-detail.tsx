import type { LatencyStats } from '@lagebild/shared';
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { fetchStats, type StatsParams } from '../api.js';
import { Choice } from '../components/choice.js';
import { HealthBadge } from '../components/health-badge.js';
import { PercentileChart } from '../components/percentile-chart.js';
import { errorClassLabel, StatsTable } from '../components/stats-table.js';
import { failureReason, type Load, useLoad } from '../components/use-load.js';
import { formatCount, formatMs, formatShare } from '../format.js';
import { useLang } from '../hooks.js';
import type { Lang, Translate } from '../i18n.js';
import { Link } from '../router.js';
import {
  type AppGroupKind,
  type AppQuery,
  appPath,
  appsPath,
  GROUP_KINDS,
  type RangeKey,
} from '../routes.js';
import {
  errorClassRows,
  percentileColumns,
  phaseRows,
  RANGE_SPEC,
  rowOf,
  type StatsRow,
  statsRows,
} from '../stats.js';
import { RangeChoice } from './apps.js';

function Panel({
  id,
  title,
  sub,
  children,
}: {
  id: string;
  title: string;
  sub?: string;
  children: ComponentChildren;
}) {
  return (
    <section class="panel" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {sub && <p class="panel-sub">{sub}</p>}
      {children}
    </section>
  );
}

/** Loading, error and empty states of one panel; `children` only when there is an answer. */
function Loaded<T>({
  load,
  t,
  children,
}: {
  load: Load<T>;
  t: Translate;
  children: (value: T) => ComponentChildren;
}) {
  const value = load.kind === 'ready' ? load.value : load.previous;
  return (
    <>
      {load.kind === 'failed' && (
        <p class="notice" role="alert">
          {t('apps.error', { reason: failureReason(load.error) })}
        </p>
      )}
      {value === null && load.kind === 'loading' && (
        <p class="muted-text" aria-busy="true">
          {t('apps.loading')}
        </p>
      )}
      {value !== null && children(value)}
    </>
  );
}

function Summary({ row, lang, t }: { row: StatsRow | undefined; lang: Lang; t: Translate }) {
  if (!row) return <p class="empty">{t('apps.noData')}</p>;
  const fact = (label: string, value: ComponentChildren, testId?: string) => (
    <div class="card">
      <dt class="card-label">{label}</dt>
      <dd class="card-value" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
  return (
    <dl class="cards summary" data-testid="app-summary">
      {fact(t('apps.p50'), formatMs(row.p50Ms, lang))}
      {fact(t('apps.p95'), formatMs(row.p95Ms, lang), 'app-p95')}
      {fact(t('apps.p99'), formatMs(row.p99Ms, lang))}
      {fact(t('apps.errorRate'), formatShare(row.errorRate, lang))}
      {fact(t('apps.count'), formatCount(row.count, lang), 'app-count')}
      {fact(t('apps.health'), <HealthBadge health={row.health} lang={lang} />)}
    </dl>
  );
}

function ErrorClasses({ row, lang, t }: { row: StatsRow | undefined; lang: Lang; t: Translate }) {
  const rows = row ? errorClassRows(row) : [];
  if (rows.length === 0) return <p class="empty">{t('apps.noErrors')}</p>;
  return (
    <table data-testid="error-classes">
      <caption class="visually-hidden">{t('apps.errorsTitle')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('apps.errorClass')}</th>
          <th scope="col" class="num">
            {t('apps.errorCount')}
          </th>
          <th scope="col" class="num">
            {t('apps.errorShare')}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.errorClass}>
            <th scope="row">{errorClassLabel(r.errorClass, lang)}</th>
            <td class="num">{formatCount(r.count, lang)}</td>
            <td class="num">{formatShare(r.share, lang)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Phases({ row, lang, t }: { row: StatsRow | undefined; lang: Lang; t: Translate }) {
  const rows = phaseRows(row?.phases ?? null);
  if (rows.length === 0) return <p class="empty">{t('apps.noPhases')}</p>;
  const total = Math.max(...rows.map((r) => r.doneAtMs), 1);
  return (
    <table class="phases" data-testid="phases">
      <caption class="visually-hidden">{t('apps.phasesTitle')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('apps.phase')}</th>
          <th scope="col" class="num">
            {t('apps.duration')}
          </th>
          <th scope="col" class="num">
            {t('apps.doneAt')}
          </th>
          <th scope="col">
            <span class="visually-hidden">{t('apps.duration')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.phase} data-phase={r.phase}>
            <th scope="row">{t(`apps.phase.${r.phase}`)}</th>
            <td class="num strong">{formatMs(r.durationMs, lang)}</td>
            <td class="num">{formatMs(r.doneAtMs, lang)}</td>
            <td class="bar-cell" aria-hidden="true">
              <span
                class={`phase-bar ${r.phase}`}
                style={{
                  marginLeft: `${((r.doneAtMs - r.durationMs) / total) * 100}%`,
                  width: `${Math.max((r.durationMs / total) * 100, 0.5)}%`,
                }}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function firstRow(stats: LatencyStats): StatsRow | undefined {
  const series = stats.series[0];
  if (!series) return undefined;
  const row = rowOf(series);
  return row.count > 0 ? row : undefined;
}

/**
 * One Fachverfahren: figures, p50/p95/p99 over time, error classes and phases — for the whole fleet
 * or one group — and the same figures per VPN gateway, site or org unit.
 */
export function AppDetailPage({ app, initial }: { app: string; initial: AppQuery }) {
  const [lang, t] = useLang();
  const [range, setRange] = useState<RangeKey>(initial.range);
  const [groupBy, setGroupBy] = useState<AppGroupKind>(initial.groupBy);
  const [group, setGroup] = useState<string | null>(initial.group);
  const spec = RANGE_SPEC[range];

  useEffect(() => {
    const path = appPath(app, { range, groupBy, group });
    if (`${location.pathname}${location.search}` !== path) history.replaceState(null, '', path);
  }, [app, range, groupBy, group]);

  useEffect(() => {
    document.title = `${app} – ${t('app.title')}`;
    return () => {
      document.title = t('app.title');
    };
  }, [app, t]);

  const selection: StatsParams =
    group === null
      ? { minutes: spec.minutes, apps: [app] }
      : { minutes: spec.minutes, apps: [app], groupBy, groups: [group] };
  const summary = useLoad((signal) => fetchStats(selection, signal), [app, range, groupBy, group]);
  const series = useLoad(
    (signal) => fetchStats({ ...selection, bucketSec: spec.bucketSec }, signal),
    [app, range, groupBy, group],
  );
  const byGroup = useLoad(
    (signal) => fetchStats({ minutes: spec.minutes, apps: [app], groupBy }, signal),
    [app, range, groupBy],
  );

  const seriesValue = series.kind === 'ready' ? series.value : series.previous;
  const columns = useMemo(
    () => (seriesValue ? percentileColumns(seriesValue, seriesValue.series[0]) : null),
    [seriesValue],
  );
  const kindLabel = t(`apps.groupKind.${groupBy}`);
  const groupLabel = (g: string) => (g === '' ? t('apps.noGroup') : g);

  return (
    <>
      <p class="back">
        <Link href={appsPath(range)}>← {t('apps.back')}</Link>
      </p>
      <h1 data-testid="app-title">{app}</h1>
      <div class="toolbar">
        <p class="lead" data-testid="app-filter">
          {group === null ? (
            t('apps.allFleet')
          ) : (
            <>
              {t('apps.filtered', { kind: kindLabel, group: groupLabel(group) })}{' '}
              <button type="button" class="link-button" onClick={() => setGroup(null)}>
                {t('apps.showAll')}
              </button>
            </>
          )}
        </p>
        <RangeChoice value={range} onChange={setRange} t={t} />
      </div>

      <Panel id="summary-title" title={t('apps.summary')}>
        <Loaded load={summary} t={t}>
          {(s) => <Summary row={firstRow(s)} lang={lang} t={t} />}
        </Loaded>
      </Panel>

      <Panel
        id="percentiles-title"
        title={t('apps.chartTitle')}
        sub={t('apps.chartSub', { bucket: t(`apps.bucket.${range}`) })}
      >
        <Loaded load={series} t={t}>
          {() => columns && <PercentileChart columns={columns} />}
        </Loaded>
      </Panel>

      <div class="two-col">
        <Panel id="errors-title" title={t('apps.errorsTitle')}>
          <Loaded load={summary} t={t}>
            {(s) => <ErrorClasses row={firstRow(s)} lang={lang} t={t} />}
          </Loaded>
        </Panel>
        <Panel id="phases-title" title={t('apps.phasesTitle')} sub={t('apps.phasesSub')}>
          <Loaded load={summary} t={t}>
            {(s) => <Phases row={firstRow(s)} lang={lang} t={t} />}
          </Loaded>
        </Panel>
      </div>

      <section class="panel" aria-labelledby="groups-title">
        <div class="panel-head">
          <h2 id="groups-title">{t('apps.groupsTitle')}</h2>
          <Choice
            legend={t('apps.groupBy')}
            name="group-by"
            value={groupBy}
            options={GROUP_KINDS.map((k) => ({ value: k, label: t(`apps.groupKind.${k}`) }))}
            onChange={(k) => {
              setGroupBy(k);
              // a gateway filter means nothing among sites
              setGroup(null);
            }}
            testId="group-by"
          />
        </div>
        <Loaded load={byGroup} t={t}>
          {(s) => {
            const rows = statsRows(s);
            if (rows.length === 0) return <p class="empty">{t('apps.noData')}</p>;
            return (
              <StatsTable
                rows={rows}
                caption={t('apps.groupsCaption', { app, kind: kindLabel, range: t(`apps.range.${range}`) })}
                firstHeader={kindLabel}
                first={(r) => (
                  <>
                    <Link href={appPath(app, { range, groupBy, group: r.group })}>{groupLabel(r.group)}</Link>
                    {r.group === group && <span class="sub"> ({t('apps.selected')})</span>}
                  </>
                )}
                current={(r) => r.group === group}
                detail
                testId="groups-table"
              />
            );
          }}
        </Loaded>
      </section>
    </>
  );
}
