import type { DeviceEvent } from '@lagebild/shared';
import { groupTimeline } from '../device-format.js';
import { eventKindLabel, eventValueLabel, formatTime } from '../format.js';
import type { Lang, MessageKey, Translate } from '../i18n.js';

const KIND_ICON: Record<string, string> = {
  vpn: '⇄',
  securityKey: '🔑',
  online: '●',
  probe: '◷',
  agent: '⚙',
};

// words the shared labels do not know: key and agent events, enrollment
const VALUE_KEYS: Record<string, MessageKey> = {
  inserted: 'device.ev.inserted',
  removed: 'device.ev.removed',
  enrolled: 'device.ev.enrolled',
  're-enrolled': 'device.ev.reEnrolled',
  revoked: 'device.ev.revoked',
  started: 'device.ev.started',
  stopping: 'device.ev.stopping',
  resumed: 'device.ev.resumed',
  'collector-failed': 'device.ev.collectorFailed',
  'spool-dropped': 'device.ev.spoolDropped',
};

function value(v: string | null, lang: Lang, t: Translate): string {
  const key = v === null ? undefined : VALUE_KEYS[v];
  return key ? t(key) : eventValueLabel(v, lang);
}

function kindLabel(kind: string, lang: Lang, t: Translate): string {
  return kind === 'enroll' ? t('device.ev.enroll') : eventKindLabel(kind, lang);
}

function change(e: DeviceEvent, lang: Lang, t: Translate): string {
  if (e.from === null && e.to === null) return t('common.none');
  if (e.from === null) return value(e.to, lang, t);
  return `${value(e.from, lang, t)} → ${value(e.to, lang, t)}`;
}

/** The device's events newest first, one list per Berlin calendar day. */
export function DeviceTimeline({
  events,
  now,
  lang,
  t,
}: {
  events: readonly DeviceEvent[];
  now: number;
  lang: Lang;
  t: Translate;
}) {
  const days = groupTimeline(events, now, lang);
  return (
    <section class="panel" aria-labelledby="timeline-title" data-testid="device-timeline">
      <h2 id="timeline-title">{t('device.timeline')}</h2>
      {days.length === 0 ? (
        <p class="muted-text">{t('detail.noEvents')}</p>
      ) : (
        days.map((day) => (
          <section key={day.day} class="timeline-day" aria-labelledby={`day-${day.day}`}>
            <h3 id={`day-${day.day}`} data-testid="timeline-day">
              {day.label}
            </h3>
            <ol class="timeline">
              {day.events.map((e, i) => (
                // events have no id; time + kind + position is stable within one response
                <li key={`${e.ts}-${e.kind}-${i}`} data-testid="event-row" data-kind={e.kind}>
                  <time class="timeline-time" dateTime={new Date(e.ts).toISOString()}>
                    {formatTime(e.ts, lang)}
                  </time>
                  <span class="timeline-icon" aria-hidden="true">
                    {KIND_ICON[e.kind] ?? '•'}
                  </span>
                  <span class="timeline-kind">{kindLabel(e.kind, lang, t)}</span>
                  <span class="timeline-change">{change(e, lang, t)}</span>
                  {e.detail && <span class="timeline-detail">{e.detail}</span>}
                </li>
              ))}
            </ol>
          </section>
        ))
      )}
    </section>
  );
}
