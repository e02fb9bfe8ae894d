import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatClock, formatCount, formatDateTime, formatDay, formatMs, TIME_ZONE } from '../format.js';
import { useLang } from '../hooks.js';
import type { Lang, Translate } from '../i18n.js';
import { seriesStyle } from '../palette.js';
import type { PercentileColumns } from '../stats.js';

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
  // beyond a day the axis needs the date; within it the time of day is enough
  const tick = (sec: number) =>
    spanMs > 86_400_000 ? formatDay(sec * 1000, lang) : formatClock(sec * 1000, lang);
  return {
    width,
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), TIME_ZONE),
    cursor: { drag: { x: false, y: false } },
    hooks: { setCursor: [(u) => showLatest(u, latest())] },
    scales: {
      x: { time: true },
      y: { range: (_u, _min, max) => [0, max !== null && max > 0 ? max * 1.1 : 100] },
    },
    axes: [
      { values: (_u, splits) => splits.map(tick) },
      { label: 'ms', size: 60, values: (_u, splits) => splits.map((v) => formatCount(v, lang)) },
    ],
    series: [
      {
        label: t('apps.time'),
        value: (_u, v) => (v === null ? t('common.none') : formatDateTime(v * 1000, lang)),
      },
      ...SERIES.map((name, i): uPlot.Series => {
        const style = seriesStyle(i);
        return {
          label: t(`apps.${name}`),
          stroke: style.color,
          dash: style.dash,
          width: 2,
          spanGaps: false,
          points: { show: true, size: 5, fill: style.color },
          value: (_u, v) => formatMs(v, lang),
        };
      }),
    ],
  };
}

function aligned(c: PercentileColumns): uPlot.AlignedData {
  return [c.xs, c.p50, c.p95, c.p99] as uPlot.AlignedData;
}

/** p50 / p95 / p99 of one Fachverfahren over time, drawn with uPlot like the overview's chart. */
export function PercentileChart({ columns }: { columns: PercentileColumns }) {
  const [lang, t] = useLang();
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(columns);
  latest.current = columns;
  const span = columns.xs.length > 1 ? (columns.xs.at(-1)! - columns.xs[0]!) * 1000 : 0;
  const spanKey = span > 86_400_000;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const u = new uPlot(
      options(el.clientWidth || 600, span, lang, t, () => latest.current),
      aligned(latest.current),
      el,
    );
    showLatest(u, latest.current);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [lang, spanKey]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(aligned(columns));
    showLatest(u, columns);
  }, [columns]);

  const points = columns.p95.filter((v) => v !== null).length;
  return (
    <div class="chart-wrap">
      <div ref={host} class="chart" data-testid="percentile-chart" data-points={points} />
      {points === 0 && <p class="chart-empty">{t('apps.chartEmpty')}</p>}
    </div>
  );
}
