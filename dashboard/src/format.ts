import type { DeviceVpnState, LinkType, OsFamily, ProbeErrorClass } from '@lagebild/shared';
import { type Lang, type MessageKey, translate } from './i18n.js';

/** Every time on screen is in the administration's own time zone, whatever the browser says. */
export const TIME_ZONE = 'Europe/Berlin';

const LOCALES: Record<Lang, string> = { de: 'de-DE', en: 'en-GB' };

/** The Intl locale used for a UI language. */
export function localeOf(lang: Lang): string {
  return LOCALES[lang];
}

// Intl formatters are costly to build and a table formats hundreds of cells per frame.
const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function dateFormat(lang: Lang, name: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d:${lang}:${name}`;
  let f = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) {
    f = new Intl.DateTimeFormat(localeOf(lang), { timeZone: TIME_ZONE, ...options });
    cache.set(key, f);
  }
  return f;
}

function numberFormat(lang: Lang, name: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n:${lang}:${name}`;
  let f = cache.get(key) as Intl.NumberFormat | undefined;
  if (!f) {
    f = new Intl.NumberFormat(localeOf(lang), options);
    cache.set(key, f);
  }
  return f;
}

const DAY = { year: 'numeric', month: '2-digit', day: '2-digit' } as const;
const HMS = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' } as const;
const HM = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;

/** Date and time in Europe/Berlin, e.g. "01.07.2024, 14:00:00". */
export function formatDateTime(ts: number, lang: Lang): string {
  return dateFormat(lang, 'datetime', { ...DAY, ...HMS }).format(ts);
}

/** Time of day in Europe/Berlin with seconds, e.g. "14:00:00". */
export function formatTime(ts: number, lang: Lang): string {
  return dateFormat(lang, 'time', HMS).format(ts);
}

/** Hours and minutes in Europe/Berlin, e.g. "14:05" (chart axes). */
export function formatClock(ts: number, lang: Lang): string {
  return dateFormat(lang, 'clock', HM).format(ts);
}

/** Day and month in Europe/Berlin, e.g. "01.07." (chart axes over several days). */
export function formatDay(ts: number, lang: Lang): string {
  return dateFormat(lang, 'daymonth', { day: '2-digit', month: '2-digit' }).format(ts);
}

/** The calendar day in Europe/Berlin as YYYY-MM-DD; two timestamps on the same Berlin day share it. */
export function berlinDay(ts: number): string {
  const parts = dateFormat('en', 'isoday', DAY).formatToParts(ts);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** "Last seen": only the time when it was today in Berlin, otherwise date and time; "–" when never. */
export function formatLastSeen(ts: number | null, now: number, lang: Lang): string {
  if (ts === null) return translate(lang, 'common.none');
  return berlinDay(ts) === berlinDay(now) ? formatTime(ts, lang) : formatDateTime(ts, lang);
}

/** A count with the language's digit grouping, e.g. "2.000". */
export function formatCount(n: number, lang: Lang): string {
  return numberFormat(lang, 'int', { maximumFractionDigits: 0 }).format(n);
}

/** Milliseconds for people: one decimal below 10 ms, whole numbers above; "–" when missing. */
export function formatMs(ms: number | null | undefined, lang: Lang): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return translate(lang, 'common.none');
  const digits = ms < 10 ? 1 : 0;
  const f = numberFormat(lang, `ms${digits}`, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return `${f.format(ms)} ms`;
}

/** A percentage given as 0–100, e.g. "42 %" in German and "42%" in English. */
export function formatPct(pct: number | null | undefined, lang: Lang): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return translate(lang, 'common.none');
  return numberFormat(lang, 'pct', { style: 'percent', maximumFractionDigits: 0 }).format(pct / 100);
}

/** A share given as 0–1 with one decimal, e.g. "12,3 %" / "12.3%"; "–" when missing. */
export function formatShare(share: number | null | undefined, lang: Lang): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return translate(lang, 'common.none');
  return numberFormat(lang, 'share', {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(share);
}

const VPN_KEYS: Record<DeviceVpnState, MessageKey> = {
  up: 'vpn.up',
  degraded: 'vpn.degraded',
  down: 'vpn.down',
  unknown: 'vpn.unknown',
};

/** "Verbunden", "Beeinträchtigt", "Getrennt" or "Unbekannt". */
export function vpnStateLabel(state: DeviceVpnState, lang: Lang): string {
  return translate(lang, VPN_KEYS[state] ?? 'vpn.unknown');
}

/** "Online" or "Offline". */
export function onlineLabel(online: boolean, lang: Lang): string {
  return translate(lang, online ? 'status.online' : 'status.offline');
}

/** "Vorhanden", "Fehlt", or "Nicht erkennbar" when the agent cannot see security keys. */
export function securityKeyLabel(present: boolean | null, lang: Lang): string {
  if (present === null) return translate(lang, 'key.unavailable');
  return translate(lang, present ? 'key.present' : 'key.missing');
}

/** "WLAN", "LAN-Kabel", "Mobilfunk", … */
export function linkLabel(link: LinkType, lang: Lang): string {
  return translate(lang, `link.${link}` as MessageKey);
}

/** "Windows 11 23H2 (22631.3447)"; "–" when the device has not said. */
export function osLabel(
  os: OsFamily | null,
  version: string | null,
  build: string | null | undefined,
  lang: Lang,
): string {
  if (os === null) return translate(lang, 'common.none');
  const name = translate(lang, `os.${os}` as MessageKey);
  return [name, version, build ? `(${build})` : null].filter(Boolean).join(' ');
}

/** Why a probe failed, in words. */
export function probeErrorLabel(errorClass: ProbeErrorClass | null, lang: Lang): string {
  return translate(lang, `probeError.${errorClass ?? 'other'}` as MessageKey);
}

const EVENT_KINDS = new Set(['vpn', 'securityKey', 'online', 'probe', 'agent']);

/** An event kind in words; kinds this dashboard does not know yet are shown as sent. */
export function eventKindLabel(kind: string, lang: Lang): string {
  return EVENT_KINDS.has(kind) ? translate(lang, `eventKind.${kind}` as MessageKey) : kind;
}

const STATE_WORDS: Record<string, MessageKey> = {
  up: 'vpn.up',
  degraded: 'vpn.degraded',
  down: 'vpn.down',
  unknown: 'vpn.unknown',
  online: 'status.online',
  offline: 'status.offline',
  present: 'key.present',
  missing: 'key.missing',
  absent: 'key.missing',
};

/** A state value of an event ("up", "offline", …) in words; other values are shown as sent. */
export function eventValueLabel(value: string | null, lang: Lang): string {
  if (value === null) return translate(lang, 'common.none');
  const key = STATE_WORDS[value];
  return key ? translate(lang, key) : value;
}
