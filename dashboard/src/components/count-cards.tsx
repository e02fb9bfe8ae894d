import type { FleetCounts } from '@lagebild/shared';
import { formatCount, formatPct } from '../format.js';
import { useLang } from '../hooks.js';
import type { MessageKey } from '../i18n.js';

interface Card {
  testId: string;
  label: MessageKey;
  tone: 'neutral' | 'good' | 'warn' | 'bad';
  value: (f: FleetCounts) => number;
  /** shown as a share of all devices */
  share: boolean;
}

const CARDS: Card[] = [
  {
    testId: 'count-devices',
    label: 'counts.devices',
    tone: 'neutral',
    value: (f) => f.devices,
    share: false,
  },
  { testId: 'count-online', label: 'counts.online', tone: 'good', value: (f) => f.online, share: true },
  { testId: 'count-vpn-up', label: 'counts.vpnUp', tone: 'good', value: (f) => f.vpn.up, share: true },
  {
    testId: 'count-vpn-degraded',
    label: 'counts.vpnDegraded',
    tone: 'warn',
    value: (f) => f.vpn.degraded,
    share: true,
  },
  { testId: 'count-vpn-down', label: 'counts.vpnDown', tone: 'bad', value: (f) => f.vpn.down, share: true },
  {
    testId: 'count-key-present',
    label: 'counts.keyPresent',
    tone: 'good',
    value: (f) => f.securityKeyPresent,
    share: true,
  },
];

/** The fleet's headline numbers. Each number carries its raw value in `data-value` for tests. */
export function CountCards({ fleet }: { fleet: FleetCounts | null }) {
  const [lang, t] = useLang();
  return (
    <dl class="cards" aria-label={t('counts.label')} aria-busy={fleet === null}>
      {CARDS.map((card) => {
        const n = fleet ? card.value(fleet) : null;
        const pct =
          fleet && n !== null && card.share ? (fleet.devices > 0 ? (100 * n) / fleet.devices : 0) : null;
        return (
          <div class={`card tone-${card.tone}`} key={card.testId}>
            <dt class="card-label">{t(card.label)}</dt>
            <dd class="card-value" data-testid={card.testId} data-value={n ?? ''}>
              {n === null ? t('common.none') : formatCount(n, lang)}
            </dd>
            {fleet && (
              <dd class="card-share">
                {pct === null ? t('counts.enrolled') : t('counts.share', { pct: formatPct(pct, lang) })}
              </dd>
            )}
          </div>
        );
      })}
    </dl>
  );
}
