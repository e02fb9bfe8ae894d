import type { DeviceVpnState, ProbeErrorClass } from '@lagebild/shared';
import { onlineLabel, probeErrorLabel, securityKeyLabel, vpnStateLabel } from '../format.js';
import { type Lang, translate } from '../i18n.js';

// Each badge pairs its colour with a text label and a shape, so colour is never the only signal.

/** Online / Offline. */
export function StatusBadge({ online, lang }: { online: boolean; lang: Lang }) {
  return (
    <span class={`badge ${online ? 'good' : 'muted'}`} data-state={online ? 'online' : 'offline'}>
      <span class="badge-icon" aria-hidden="true">
        {online ? '●' : '○'}
      </span>
      {onlineLabel(online, lang)}
    </span>
  );
}

const VPN_TONE: Record<DeviceVpnState, string> = {
  up: 'good',
  degraded: 'warn',
  down: 'bad',
  unknown: 'muted',
};
const VPN_ICON: Record<DeviceVpnState, string> = { up: '▲', degraded: '◆', down: '▼', unknown: '?' };

/** Verbunden / Beeinträchtigt / Getrennt / Unbekannt. */
export function VpnBadge({ state, lang }: { state: DeviceVpnState; lang: Lang }) {
  return (
    <span class={`badge ${VPN_TONE[state] ?? 'muted'}`} data-state={state}>
      <span class="badge-icon" aria-hidden="true">
        {VPN_ICON[state] ?? '?'}
      </span>
      {vpnStateLabel(state, lang)}
    </span>
  );
}

/** Vorhanden / Fehlt / Nicht erkennbar. */
export function KeyBadge({ present, lang }: { present: boolean | null; lang: Lang }) {
  const state = present === null ? 'unavailable' : present ? 'present' : 'missing';
  const tone = present === null ? 'muted' : present ? 'good' : 'warn';
  return (
    <span class={`badge ${tone}`} data-state={state}>
      <span class="badge-icon" aria-hidden="true">
        {present === null ? '?' : present ? '✓' : '✗'}
      </span>
      {securityKeyLabel(present, lang)}
    </span>
  );
}

/** OK / Fehler with the reason in words, and the HTTP status when there is one. */
export function ProbeOutcome({
  ok,
  errorClass,
  status,
  lang,
}: {
  ok: boolean;
  errorClass: ProbeErrorClass | null;
  status?: number | null;
  lang: Lang;
}) {
  return (
    <span class={`badge ${ok ? 'good' : 'bad'}`}>
      <span class="badge-icon" aria-hidden="true">
        {ok ? '✓' : '✗'}
      </span>
      {ok
        ? translate(lang, 'probe.ok')
        : translate(lang, 'probe.failed', { reason: probeErrorLabel(errorClass, lang) })}
      {status !== undefined && status !== null && <span class="sub"> ({status})</span>}
    </span>
  );
}
