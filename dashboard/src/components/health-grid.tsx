import type { LatencyStats } from '@lagebild/shared';
import { useEffect, useRef, useState } from 'preact/hooks';
import { fetchStats } from '../api.js';
import { formatCount, formatMs, formatShare, formatTime } from '../format.js';
import { gridRefreshDelay } from '../grid-refresh.js';
import { THRESHOLDS } from '../health.js';
import { useLang } from '../hooks.js';
import type { Translate } from '../i18n.js';
import type { LatencyState } from '../latency.js';
import { Link } from '../router.js';
import { appPath } from '../routes.js';
import { gridModel } from '../stats.js';
import { Choice } from './choice.js';
import { healthIcon, healthLabel } from './health-badge.js';
import { failureReason, useLoad } from './use-load.js';

/** The grid looks at the last quarter hour: recent enough to show an incident, long enough to have runs. */
export const GRID_MINUTES = 15;
type GridKind = 'gateway' | 'site';

/**
 * Fetches the grid's statistics, and again when the live store brings new probe results (the
 * `latency` object changes), throttled; after a reconnect (`snapshots`) at once. No polling timer:
 * without new results nothing is fetched.
 */
function useGridStats(kind: GridKind, latency: LatencyState, snapshots: number) {
  const [generation, setGeneration] = useState(0);
  const lastFetch = useRef(0);
  const empty = useRef(true);
  const load = useLoad(
    (signal) => {
      lastFetch.current = Date.now();
      return fetchStats({ minutes: GRID_MINUTES, groupBy: kind }, signal);
    },
    [kind, snapshots, generation],
  );
  empty.current = !(load.kind === 'ready' && load.value.series.length > 0);

  const mounted = useRef(false);
  useEffect(() => {
    if (!mounted.current) {
      mounted.current = true;
      return;
    }
    const wait = gridRefreshDelay(lastFetch.current, Date.now(), empty.current);
    if (wait === 0) {
      setGeneration((g) => g + 1);
      return;
    }
    // fires once at the end of the gap; later results in the gap reschedule to the same moment
    const timer = setTimeout(() => setGeneration((g) => g + 1), wait);
    return () => clearTimeout(timer);
  }, [latency]);
  return load;
}

function Legend({ t, lang }: { t: Translate; lang: 'de' | 'en' }) {
  const p95 = THRESHOLDS.p95Ms;
  const rate = THRESHOLDS.errorRate;
  const items = [
    {
      health: 'good' as const,
      rule: t('grid.goodRule', { p95: formatMs(p95.warn, lang), rate: formatShare(rate.warn, lang) }),
    },
    {
      health: 'warn' as const,
      rule: t('grid.warnRule', { p95: formatMs(p95.warn, lang), rate: formatShare(rate.warn, lang) }),
    },
    {
      health: 'bad' as const,
      rule: t('grid.badRule', { p95: formatMs(p95.bad, lang), rate: formatShare(rate.bad, lang) }),
    },
    { health: 'none' as const, rule: null },
  ];
  return (
    <div class="grid-legend">
      <h3 id="grid-legend-title">{t('grid.legend')}</h3>
      <ul aria-labelledby="grid-legend-title" data-testid="grid-legend">
        {items.map(({ health, rule }) => (
          <li key={health}>
            <span class={`grid-swatch ${health}`} aria-hidden="true">
              {healthIcon(health)}
            </span>
            <strong>{healthLabel(health, lang)}</strong>
            {rule && <span>: {rule}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

function GridTable({ stats, kind }: { stats: LatencyStats; kind: GridKind }) {
  const [lang, t] = useLang();
  const grid = gridModel(stats);
  const kindLabel = t(`apps.groupKind.${kind}`);
  const groupLabel = (g: string) => (g === '' ? t('apps.noGroup') : g);
  return (
    <div class="table-scroll">
      <table class="health-grid" data-testid="health-grid" data-kind={kind}>
        <caption class="visually-hidden">{t('grid.caption', { kind: kindLabel })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('apps.app')}</th>
            {grid.groups.map((g) => (
              <th scope="col" key={g}>
                {groupLabel(g)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.apps.map((app) => (
            <tr key={app}>
              <th scope="row">
                <Link href={appPath(app)}>{app}</Link>
              </th>
              {grid.groups.map((g) => {
                const row = grid.cell(app, g);
                if (!row)
                  return (
                    <td key={g} class="cell none" data-testid="grid-cell" data-health="none">
                      <span aria-hidden="true">–</span>
                      <span class="visually-hidden">{healthLabel('none', lang)}</span>
                    </td>
                  );
                const state = healthLabel(row.health, lang);
                return (
                  <td
                    key={g}
                    class={`cell ${row.health}`}
                    data-testid="grid-cell"
                    data-health={row.health}
                    data-app={app}
                    data-group={g}
                  >
                    <Link href={appPath(app, { groupBy: kind, group: g })} class="cell-link">
                      <span
                        class="cell-line"
                        title={t('grid.cellTitle', {
                          app,
                          group: groupLabel(g),
                          state,
                          count: formatCount(row.count, lang),
                        })}
                      >
                        <span class="cell-icon" aria-hidden="true">
                          {healthIcon(row.health)}
                        </span>
                        <span class="visually-hidden">{state}: </span>
                        {t('grid.p95', { value: formatMs(row.p95Ms, lang) })}
                      </span>
                      <span class="cell-line sub">
                        {t('grid.errors', { value: formatShare(row.errorRate, lang) })}
                      </span>
                    </Link>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Fachverfahren × VPN gateway (or site), each cell coloured by health with p95 and error rate as
 * text, linking to the application filtered to that group.
 */
export function HealthGrid({ latency, snapshots }: { latency: LatencyState; snapshots: number }) {
  const [lang, t] = useLang();
  const [kind, setKind] = useState<GridKind>('gateway');
  const load = useGridStats(kind, latency, snapshots);
  const stats = load.kind === 'ready' ? load.value : load.previous;
  const kindLabel = t(`apps.groupKind.${kind}`);

  let body = null;
  if (stats && stats.series.length > 0) body = <GridTable stats={stats} kind={stats.groupBy as GridKind} />;
  else if (load.kind === 'failed')
    body = (
      <p class="notice" role="alert">
        {t('grid.error', { reason: failureReason(load.error) })}
      </p>
    );
  else if (load.kind === 'loading' && !stats)
    body = (
      <p class="muted-text" aria-busy="true">
        {t('grid.loading')}
      </p>
    );
  else body = <p class="empty">{t('grid.empty')}</p>;

  return (
    <section class="panel" aria-labelledby="grid-title" data-testid="health-grid-panel">
      <div class="panel-head">
        <div>
          <h2 id="grid-title">{t('grid.title')}</h2>
          <p class="panel-sub">
            {t('grid.sub', { kind: kindLabel })}
            {stats && ` ${t('grid.updated', { time: formatTime(stats.to, lang) })}`}
          </p>
        </div>
        <Choice
          legend={t('grid.columns')}
          name="grid-kind"
          value={kind}
          options={[
            { value: 'gateway', label: t('apps.groupKind.gateway') },
            { value: 'site', label: t('apps.groupKind.site') },
          ]}
          onChange={setKind}
          testId="grid-kind"
        />
      </div>
      {load.kind === 'failed' && stats && stats.series.length > 0 && (
        <p class="notice" role="alert">
          {t('grid.error', { reason: failureReason(load.error) })}
        </p>
      )}
      {body}
      <Legend t={t} lang={lang} />
    </section>
  );
}
