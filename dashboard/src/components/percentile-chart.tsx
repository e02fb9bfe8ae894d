import type uPlot from 'uplot';
import { useLang } from '../hooks.js';
import type { Lang, Translate } from '../i18n.js';
import { seriesStyle } from '../palette.js';
import type { PercentileColumns } from '../stats.js';
import { latencyOverTime, latencySeries, spansDays, useUplot } from './use-uplot.js';

const HEIGHT = 260;
const SERIES = ['p50', 'p95', 'p99'] as const;

/** While the pointer is elsewhere, the legend shows the newest bucket with an answer instead of dashes. */
function showLatest(u: uPlot, c: PercentileColumns): void {
  if (u.cursor.idx != null) return;
  let i = c.p50.length - 1;
  while (i >= 0 && c.p50[i] === null && c.p95[i] === null) i--;
  if (i >= 0) u.setLegend({ idx: i }, false);
}

function options(
  width: number,
  spanMs: number,
  lang: Lang,
  t: Translate,
  latest: () => PercentileColumns,
): uPlot.Options {
  return latencyOverTime({
    width,
    height: HEIGHT,
    spanMs,
    lang,
    t,
    onCursor: (u) => showLatest(u, latest()),
    series: SERIES.map((name, i) => latencySeries(t(`apps.${name}`), seriesStyle(i), 5, lang)),
  });
}

function aligned(c: PercentileColumns): uPlot.AlignedData {
  return [c.xs, c.p50, c.p95, c.p99] as uPlot.AlignedData;
}

/** p50 / p95 / p99 of one Fachverfahren over time, drawn with uPlot like the overview's chart. */
export function PercentileChart({ columns }: { columns: PercentileColumns }) {
  const [lang, t] = useLang();
  const span = columns.xs.length > 1 ? (columns.xs.at(-1)! - columns.xs[0]!) * 1000 : 0;
  const host = useUplot({
    data: columns,
    rebuildOn: [lang, spansDays(span)],
    height: HEIGHT,
    fallbackWidth: 600,
    options: (width, latest) => options(width, span, lang, t, latest),
    aligned,
    showLatest,
  });

  const points = columns.p95.filter((v) => v !== null).length;
  return (
    <div class="chart-wrap">
      <div ref={host} class="chart" data-testid="percentile-chart" data-points={points} />
      {points === 0 && <p class="chart-empty">{t('apps.chartEmpty')}</p>}
    </div>
  );
}
