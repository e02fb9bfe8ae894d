import { useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { fetchStats } from '../api.js';
import { type CompareColumns, compareColumns } from '../device-format.js';
import { formatDateTime, formatMs } from '../format.js';
import { useLang } from '../hooks.js';
import type { Lang, Translate } from '../i18n.js';
import { seriesStyle } from '../palette.js';
import { RANGE_SPEC } from '../stats.js';
import { Choice } from './choice.js';
import { failureReason, useLoad } from './use-load.js';
import { latencyOverTime, latencySeries, spansDays, useUplot } from './use-uplot.js';

const HEIGHT = 200;
const DEVICE_RANGES = ['1h', '24h', '7d'] as const;
type DeviceRange = (typeof DEVICE_RANGES)[number];

const DEVICE_STYLE = seriesStyle(0);
// the fleet line is dashed as well as differently coloured: colour is never the only difference
const FLEET_STYLE = { color: seriesStyle(1).color, dash: [8, 4] };

/** While the pointer is elsewhere the legend shows the newest bucket with a value instead of dashes. */
function showLatest(u: uPlot, c: CompareColumns): void {
  if (u.cursor.idx != null) return;
  let i = c.xs.length - 1;
  while (i >= 0 && c.device[i] === null && c.fleet[i] === null) i--;
  if (i >= 0) u.setLegend({ idx: i }, false);
}

function chartOptions(
  width: number,
  spanMs: number,
  lang: Lang,
  t: Translate,
  latest: () => CompareColumns,
): uPlot.Options {
  return latencyOverTime({
    width,
    height: HEIGHT,
    spanMs,
    lang,
    t,
    onCursor: (u) => showLatest(u, latest()),
    series: [
      latencySeries(t('device.thisDevice'), DEVICE_STYLE, 4, lang),
      latencySeries(t('device.fleetMedian'), FLEET_STYLE, 4, lang),
    ],
  });
}

/** One Fachverfahren: this device's median and the fleet's median on one uPlot chart. */
function CompareChart({ columns }: { columns: CompareColumns }) {
  const [lang, t] = useLang();
  const span = columns.xs.length > 1 ? (columns.xs.at(-1)! - columns.xs[0]!) * 1000 : 0;
  const host = useUplot({
    data: columns,
    rebuildOn: [lang, spansDays(span)],
    height: HEIGHT,
    fallbackWidth: 400,
    options: (width, latest) => chartOptions(width, span, lang, t, latest),
    aligned: (c) => [c.xs, c.device, c.fleet] as uPlot.AlignedData,
    showLatest,
  });

  const points = columns.device.filter((v) => v !== null).length;
  return (
    <div class="chart-wrap">
      {/* the drawing is for eyes; the table toggle is its text alternative */}
      <div ref={host} class="chart" aria-hidden="true" data-testid="compare-chart" data-points={points} />
      {points === 0 && <p class="chart-empty">{t('device.chartEmpty')}</p>}
    </div>
  );
}

function CompareTable({
  columns,
  range,
  lang,
  t,
}: {
  columns: CompareColumns;
  range: string;
  lang: Lang;
  t: Translate;
}) {
  const rows = columns.xs
    .map((x, i) => ({ x, device: columns.device[i] ?? null, fleet: columns.fleet[i] ?? null }))
    .filter((r) => r.device !== null || r.fleet !== null)
    .reverse();
  return (
    <div class="table-scroll compare-table">
      <table data-testid="compare-table">
        <caption>{t('device.compareCaption', { app: columns.app, range })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('apps.time')}</th>
            <th scope="col">{t('device.thisDevice')}</th>
            <th scope="col">{t('device.fleetMedian')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={3}>{t('device.chartEmpty')}</td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={r.x}>
                <th scope="row">{formatDateTime(r.x * 1000, lang)}</th>
                <td class="num">{formatMs(r.device, lang)}</td>
                <td class="num">{formatMs(r.fleet, lang)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Each Fachverfahren's latency on this device against the fleet median over 1 h, 24 h or 7 d, from
 * the statistics API (device rollups and fleet rollups), with a table as text alternative.
 */
export function DeviceLatency({ deviceId, apps }: { deviceId: string; apps: readonly string[] }) {
  const [lang, t] = useLang();
  const [range, setRange] = useState<DeviceRange>('24h');
  const [asTable, setAsTable] = useState(false);
  const spec = RANGE_SPEC[range];
  const appsKey = apps.join('\n');
  const load = useLoad(
    async (signal) => {
      const [device, fleet] = await Promise.all([
        fetchStats({ ...spec, groupBy: 'device', groups: [deviceId] }, signal),
        fetchStats({ ...spec, groupBy: 'all' }, signal),
      ]);
      return compareColumns(device, fleet, apps);
    },
    [deviceId, range, appsKey],
  );
  const columns = load.kind === 'ready' ? load.value : load.previous;
  const rangeLabel = t(`apps.range.${range}`);

  return (
    <section class="panel" aria-labelledby="latency-title" data-testid="device-latency">
      <div class="panel-head">
        <h2 id="latency-title">{t('device.latencyTitle')}</h2>
        <div class="panel-tools">
          <Choice
            legend={t('apps.range')}
            name="device-range"
            value={range}
            options={DEVICE_RANGES.map((r) => ({ value: r, label: t(`apps.range.${r}`) }))}
            onChange={setRange}
            testId="device-range"
          />
          <button
            type="button"
            class="button"
            aria-pressed={asTable}
            onClick={() => setAsTable((v) => !v)}
            data-testid="latency-table-toggle"
          >
            {t('device.showTable')}
          </button>
        </div>
      </div>
      <p class="panel-sub">{t('device.latencySub')}</p>
      <ul class="legend" aria-label={t('device.legend')}>
        <li>
          <span class="legend-line" style={{ borderColor: DEVICE_STYLE.color }} aria-hidden="true" />
          {t('device.thisDevice')}
        </li>
        <li>
          <span class="legend-line dashed" style={{ borderColor: FLEET_STYLE.color }} aria-hidden="true" />
          {t('device.fleetMedian')}
        </li>
      </ul>
      {load.kind === 'failed' && (
        <p class="notice" role="alert">
          {t('device.latencyError', { reason: failureReason(load.error) })}
        </p>
      )}
      {!columns ? (
        <p class="muted-text" aria-busy="true">
          {t('device.latencyLoading')}
        </p>
      ) : columns.length === 0 ? (
        <p class="muted-text">{t('device.latencyNone')}</p>
      ) : (
        <div class="compare-grid" aria-busy={load.kind === 'loading'}>
          {columns.map((c) => (
            <section key={c.app} class="compare-app" data-testid="compare-app">
              <h3>{c.app}</h3>
              {asTable ? (
                <CompareTable columns={c} range={rangeLabel} lang={lang} t={t} />
              ) : (
                <CompareChart columns={c} />
              )}
            </section>
          ))}
        </div>
      )}
    </section>
  );
}
