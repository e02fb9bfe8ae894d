import type { ProbeErrorClass } from '@lagebild/shared';
import type { ComponentChildren } from 'preact';
import { formatCount, formatMs, formatShare, probeErrorLabel } from '../format.js';
import { useLang } from '../hooks.js';
import type { Lang, MessageKey } from '../i18n.js';
import { errorClassRows, PHASES, type PhaseName, phaseRows, type StatsRow } from '../stats.js';
import { HealthBadge } from './health-badge.js';

const PHASE_HEADERS: Record<PhaseName, MessageKey> = {
  dns: 'probe.dns',
  connect: 'probe.connect',
  tls: 'probe.tls',
  ttfb: 'probe.ttfb',
};

/** An error class in words; classes newer than this dashboard are shown as sent. */
export function errorClassLabel(cls: string, lang: Lang): string {
  return probeErrorLabel(cls as ProbeErrorClass, lang) || cls;
}

/** Duration of each phase and the most frequent error class: the extra columns of a breakdown. */
function DetailCells({ row, lang }: { row: StatsRow; lang: Lang }) {
  const phases = new Map(phaseRows(row.phases).map((p) => [p.phase, p.durationMs]));
  const top = errorClassRows(row)[0];
  return (
    <>
      {PHASES.map((phase) => (
        <td key={phase} class="num">
          {formatMs(phases.get(phase), lang)}
        </td>
      ))}
      <td>{top ? `${errorClassLabel(top.errorClass, lang)} (${formatCount(top.count, lang)})` : '–'}</td>
    </>
  );
}

/**
 * Percentiles, error rate, runs and health per row; the first column (an application or a group) is
 * the row header, rendered by the caller (usually a link).
 */
export function StatsTable({
  rows,
  caption,
  firstHeader,
  first,
  current,
  detail = false,
  testId,
}: {
  rows: readonly StatsRow[];
  caption: string;
  firstHeader: string;
  first: (row: StatsRow) => ComponentChildren;
  /** marks the row the page is filtered to */
  current?: (row: StatsRow) => boolean;
  /** adds the duration of each phase and the most frequent error class */
  detail?: boolean;
  testId: string;
}) {
  const [lang, t] = useLang();
  return (
    <div class="table-scroll">
      <table class="stats" data-testid={testId}>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{firstHeader}</th>
            <th scope="col" class="num">
              {t('apps.p50')}
            </th>
            <th scope="col" class="num">
              {t('apps.p95')}
            </th>
            <th scope="col" class="num">
              {t('apps.p99')}
            </th>
            <th scope="col" class="num">
              {t('apps.errorRate')}
            </th>
            <th scope="col" class="num">
              {t('apps.count')}
            </th>
            <th scope="col">{t('apps.health')}</th>
            {detail &&
              PHASES.map((phase) => (
                <th scope="col" class="num" key={phase}>
                  {t(PHASE_HEADERS[phase])}
                </th>
              ))}
            {detail && <th scope="col">{t('apps.topError')}</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={`${r.app}\n${r.group}`}
              data-testid={`${testId}-row`}
              class={current?.(r) ? 'current' : undefined}
            >
              <th scope="row">{first(r)}</th>
              <td class="num">{formatMs(r.p50Ms, lang)}</td>
              <td class="num strong">{formatMs(r.p95Ms, lang)}</td>
              <td class="num">{formatMs(r.p99Ms, lang)}</td>
              <td class="num">{formatShare(r.errorRate, lang)}</td>
              <td class="num">{formatCount(r.count, lang)}</td>
              <td>
                <HealthBadge health={r.health} lang={lang} />
              </td>
              {detail && <DetailCells row={r} lang={lang} />}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
