import type { DeviceEvent, LatencyStats } from '@lagebild/shared';
import { berlinDay, localeOf, TIME_ZONE } from './format.js';
import { type Lang, translate } from './i18n.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const UNITS: Record<Lang, { min: string; h: string; d: string }> = {
  de: { min: 'Min.', h: 'Std.', d: 'Tg.' },
  en: { min: 'min', h: 'h', d: 'd' },
};

/** A duration for people, coarse on purpose: "12 Min.", "3 Std. 5 Min.", "2 Tg. 4 Std."; under a minute "< 1 Min.". */
export function formatDuration(ms: number, lang: Lang): string {
  const u = UNITS[lang];
  const n = (v: number) => new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: 0 }).format(v);
  if (!Number.isFinite(ms) || ms < MIN) return `< 1 ${u.min}`;
  if (ms < HOUR) return `${n(Math.floor(ms / MIN))} ${u.min}`;
  if (ms < DAY) {
    const h = Math.floor(ms / HOUR);
    const m = Math.floor((ms % HOUR) / MIN);
    return m === 0 || h >= 10 ? `${n(h)} ${u.h}` : `${n(h)} ${u.h} ${n(m)} ${u.min}`;
  }
  const d = Math.floor(ms / DAY);
  const h = Math.floor((ms % DAY) / HOUR);
  return h === 0 || d >= 10 ? `${n(d)} ${u.d}` : `${n(d)} ${u.d} ${n(h)} ${u.h}`;
}

/** How long a state has held: "seit 12 Min." / "for 12 min"; "–" when unknown. */
export function formatSince(ts: number | null | undefined, now: number, lang: Lang): string {
  if (ts === null || ts === undefined || !Number.isFinite(ts)) return translate(lang, 'common.none');
  return translate(lang, 'device.sinceFor', { d: formatDuration(Math.max(0, now - ts), lang) });
}

/** How long ago something happened: "vor 12 Min." / "12 min ago", "gerade eben" under a minute. */
export function formatAgo(ts: number | null | undefined, now: number, lang: Lang): string {
  if (ts === null || ts === undefined || !Number.isFinite(ts)) return translate(lang, 'common.none');
  const ms = Math.max(0, now - ts);
  if (ms < MIN) return translate(lang, 'device.justNow');
  return translate(lang, 'device.ago', { d: formatDuration(ms, lang) });
}

/** How long until something happens: "noch 14 Min." / "14 min left". */
export function formatRemaining(until: number, now: number, lang: Lang): string {
  return translate(lang, 'device.remaining', { d: formatDuration(Math.max(0, until - now), lang) });
}

/** A Wi-Fi signal as percent and dBm, e.g. "72 % (−58 dBm)", with whatever of both is known. */
export function formatSignal(
  pct: number | null | undefined,
  dbm: number | null | undefined,
  lang: Lang,
): string {
  const f = new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: 0 });
  const hasPct = pct !== null && pct !== undefined && Number.isFinite(pct);
  const hasDbm = dbm !== null && dbm !== undefined && Number.isFinite(dbm);
  // a real minus sign reads better than a hyphen next to a unit
  const dbmText = hasDbm ? `${f.format(dbm).replace('-', '−')} dBm` : '';
  const pctText = hasPct
    ? new Intl.NumberFormat(localeOf(lang), { style: 'percent', maximumFractionDigits: 0 }).format(pct / 100)
    : '';
  if (hasPct && hasDbm) return `${pctText} (${dbmText})`;
  return pctText || dbmText || translate(lang, 'common.none');
}

/** Megabytes as "16 GB" or "512 MB" (decimal, one digit above 10 GB dropped). */
export function formatMegabytes(mb: number | null | undefined, lang: Lang): string {
  if (mb === null || mb === undefined || !Number.isFinite(mb)) return translate(lang, 'common.none');
  if (mb < 1000)
    return `${new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: 0 }).format(mb)} MB`;
  const gb = mb / 1024;
  return `${new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: gb < 10 ? 1 : 0 }).format(gb)} GB`;
}

/** One day of the timeline, newest first. */
export interface TimelineDay {
  /** the Berlin calendar day, YYYY-MM-DD */
  day: string;
  /** "Heute", "Gestern" or e.g. "Mittwoch, 26.11.2026" */
  label: string;
  events: DeviceEvent[];
}

/** Events newest first, grouped by their calendar day in Europe/Berlin (not the browser's zone). */
export function groupTimeline(events: readonly DeviceEvent[], now: number, lang: Lang): TimelineDay[] {
  const sorted = [...events].sort((a, b) => b.ts - a.ts);
  const today = berlinDay(now);
  const yesterday = berlinDay(now - DAY);
  const dayLabel = new Intl.DateTimeFormat(localeOf(lang), {
    timeZone: TIME_ZONE,
    weekday: 'long',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  });
  const days: TimelineDay[] = [];
  for (const e of sorted) {
    const day = berlinDay(e.ts);
    let last = days.at(-1);
    if (!last || last.day !== day) {
      const label =
        day === today
          ? translate(lang, 'device.today')
          : day === yesterday
            ? translate(lang, 'device.yesterday')
            : dayLabel.format(e.ts);
      last = { day, label, events: [] };
      days.push(last);
    }
    last.events.push(e);
  }
  return days;
}

/** One Fachverfahren's chart columns: this device's median against the fleet's, bucket by bucket. */
export interface CompareColumns {
  app: string;
  /** bucket starts in seconds (uPlot's x) */
  xs: number[];
  device: (number | null)[];
  fleet: (number | null)[];
}

/**
 * Lays the device's and the fleet's p50 of each Fachverfahren over the same buckets of the range,
 * so gaps show as gaps. Only Fachverfahren this device measured (or `apps`, e.g. its latest probes).
 */
export function compareColumns(
  device: LatencyStats,
  fleet: LatencyStats,
  apps: readonly string[] = [],
): CompareColumns[] {
  const bucketMs = device.bucketSec * 1000;
  if (bucketMs <= 0) return [];
  const names = new Set<string>(apps);
  for (const s of device.series) names.add(s.app);
  const first = Math.floor(device.from / bucketMs) * bucketMs;
  const out: CompareColumns[] = [];
  for (const app of [...names].sort((a, b) => a.localeCompare(b, 'de'))) {
    const mine = new Map((device.series.find((s) => s.app === app)?.points ?? []).map((p) => [p.t, p]));
    const all = new Map((fleet.series.find((s) => s.app === app)?.points ?? []).map((p) => [p.t, p]));
    const c: CompareColumns = { app, xs: [], device: [], fleet: [] };
    for (let t = first; t < device.to; t += bucketMs) {
      c.xs.push(t / 1000);
      c.device.push(mine.get(t)?.p50Ms ?? null);
      c.fleet.push(all.get(t)?.p50Ms ?? null);
    }
    out.push(c);
  }
  return out;
}
