import type { Health } from '../health.js';
import { type Lang, translate } from '../i18n.js';

// colour, symbol and word together: colour is never the only signal
const ICON: Record<Health, string> = { good: '✓', warn: '!', bad: '✗', none: '–' };
const TONE: Record<Health, string> = { good: 'good', warn: 'warn', bad: 'bad', none: 'muted' };

/** "Gut" / "Auffällig" / "Gestört" / "Keine Messungen". */
export function healthLabel(health: Health, lang: Lang): string {
  return translate(lang, `grid.${health}`);
}

/** The symbol that goes with a health state (for cells that show it beside numbers). */
export function healthIcon(health: Health): string {
  return ICON[health];
}

/** A health state as a badge. */
export function HealthBadge({ health, lang }: { health: Health; lang: Lang }) {
  return (
    <span class={`badge ${TONE[health]}`} data-health={health}>
      <span class="badge-icon" aria-hidden="true">
        {ICON[health]}
      </span>
      {healthLabel(health, lang)}
    </span>
  );
}
