import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import { formatClock, formatCount, TIME_ZONE } from '../format.js';
import { useLang } from '../hooks.js';
import type { Lang, Translate } from '../i18n.js';
import { bucketStart, type ChartData, chartData, type LatencyState, latestIndexes } from '../latency.js';
import { seriesStyle } from '../palette.js';
import { latencySeries, useUplot } from './use-uplot.js';

const HEIGHT = 280;

function chartOptions(current: () => ChartData, width: number, lang: Lang, t: Translate): uPlot.Options {
  const apps = current().apps;
  return {
    width,
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), TIME_ZONE),
    cursor: { drag: { x: false, y: false } },
    hooks: {
      setCursor: [(u) => showLatest(u, current())],
    },
    scales: {
      x: { time: true },
      // latency starts at zero; an empty chart still gets a sensible axis
      y: { range: (_u, _min, max) => [0, max !== null && max > 0 ? max * 1.1 : 100] },
    },
    axes: [
      { values: (_u, splits) => splits.map((s) => formatClock(s * 1000, lang)) },
      {
        label: t('chart.unit'),
        size: 60,
        values: (_u, splits) => splits.map((v) => formatCount(v, lang)),
      },
    ],
    series: [
      {
        label: t('chart.time'),
        value: (_u, v) => (v === null ? t('common.none') : formatClock(v * 1000, lang)),
      },
      // one dot per minute: a fresh fleet has a single bucket, which a line alone would not show
      ...apps.map((app, i) => latencySeries(app, seriesStyle(i), 6, lang)),
    ],
  };
}

/** While the pointer is elsewhere, the legend shows the newest values instead of dashes. */
function showLatest(u: uPlot, data: ChartData): void {
  if (u.cursor.idx == null) u.setLegend({ idxs: latestIndexes(data) }, false);
}

function toAligned(data: ChartData): uPlot.AlignedData {
  return [data.xs, ...data.ys] as uPlot.AlignedData;
}

/** Mean response time per application and minute, drawn with uPlot; one coloured, dashed-or-solid line each. */
export function LatencyChart({
  latency,
  now,
  loadFailed,
}: {
  latency: LatencyState;
  now: number;
  loadFailed: boolean;
}) {
  const [lang, t] = useLang();
  const minute = bucketStart(now, latency.bucketMs);
  // recomputed when data arrives or the window slides to the next bucket (`minute` stands in for `now`)
  const data = useMemo(() => chartData(latency, now), [latency, minute]);
  const appsKey = data.apps.join('\n');
  // build the chart when the set of applications or the language changes
  const host = useUplot({
    data,
    rebuildOn: [appsKey, lang],
    height: HEIGHT,
    fallbackWidth: 600,
    options: (width, latest) => chartOptions(latest, width, lang, t),
    aligned: toAligned,
    showLatest,
  });

  const points = data.ys.reduce((n, ys) => n + ys.filter((y) => y !== null).length, 0);
  return (
    <section class="panel" aria-labelledby="chart-title">
      <h2 id="chart-title">{t('chart.title')}</h2>
      <p class="panel-sub">{t('chart.subtitle')}</p>
      {loadFailed && <p class="notice">{t('chart.loadError')}</p>}
      <div class="chart-wrap">
        <div
          ref={host}
          class="chart"
          data-testid="latency-chart"
          data-apps={data.apps.length}
          data-points={points}
        />
        {data.apps.length === 0 && <p class="chart-empty">{t('chart.empty')}</p>}
      </div>
    </section>
  );
}
