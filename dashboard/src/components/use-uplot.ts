import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatClock, formatCount, formatDateTime, formatDay, formatMs, TIME_ZONE } from '../format.js';
import type { Lang, Translate } from '../i18n.js';

export interface UplotSpec<T> {
  /** what is drawn now */
  data: T;
  /** the chart is built anew when one of these changes (language, series, time axis), else only fed */
  rebuildOn: readonly unknown[];
  height: number;
  /** width before the host element has been laid out */
  fallbackWidth: number;
  /** `latest` reads the data drawn at the time of a call (for legend hooks) */
  options: (width: number, latest: () => T) => uPlot.Options;
  aligned: (data: T) => uPlot.AlignedData;
  /** puts the legend on the newest values while the pointer is elsewhere */
  showLatest: (u: uPlot, data: T) => void;
}

/**
 * A uPlot chart in the element the returned ref is put on: built when `rebuildOn` changes, fed new
 * data otherwise, sized to the element's width, destroyed with the component.
 */
export function useUplot<T>(spec: UplotSpec<T>): RefObject<HTMLDivElement> {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const current = useRef(spec);
  current.current = spec;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const s = current.current;
    const u = new uPlot(
      s.options(el.clientWidth || s.fallbackWidth, () => current.current.data),
      s.aligned(s.data),
      el,
    );
    s.showLatest(u, s.data);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: s.height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, spec.rebuildOn);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    const s = current.current;
    u.setData(s.aligned(s.data));
    s.showLatest(u, s.data);
  }, [spec.data]);

  return host;
}

/** Whether a time axis over `spanMs` needs dates rather than times of day. */
export const spansDays = (spanMs: number): boolean => spanMs > 86_400_000;

/** A latency line: solid or dashed, with points, values in German/English ms. */
export function latencySeries(
  label: string,
  style: { color: string; dash: number[] },
  pointSize: number,
  lang: Lang,
): uPlot.Series {
  return {
    label,
    stroke: style.color,
    dash: style.dash,
    width: 2,
    spanGaps: false,
    points: { show: true, size: pointSize, fill: style.color },
    value: (_u, v) => formatMs(v, lang),
  };
}

/**
 * Options of a latency chart over a chosen range: Berlin time axis (dates beyond a day), ms axis from
 * zero, the time in the legend, no drag-zoom; `onCursor` runs on every pointer move.
 */
export function latencyOverTime(o: {
  width: number;
  height: number;
  spanMs: number;
  lang: Lang;
  t: Translate;
  series: uPlot.Series[];
  onCursor: (u: uPlot) => void;
}): uPlot.Options {
  const { lang, t } = o;
  const tick = (sec: number) =>
    spansDays(o.spanMs) ? formatDay(sec * 1000, lang) : formatClock(sec * 1000, lang);
  return {
    width: o.width,
    height: o.height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), TIME_ZONE),
    cursor: { drag: { x: false, y: false } },
    hooks: { setCursor: [o.onCursor] },
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
      ...o.series,
    ],
  };
}
