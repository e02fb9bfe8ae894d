import type { DeviceSummary } from '@lagebild/shared';
import { Component } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { DeviceLink } from '../auth/index.js';
import { pageOf, type SortKey, type SortSpec, toggleSort, visibleDevices } from '../device-list.js';
import { berlinDay, formatCount, formatLastSeen } from '../format.js';
import { useLang } from '../hooks.js';
import { type Lang, type MessageKey, plural, translate } from '../i18n.js';
import { KeyBadge, StatusBadge, VpnBadge } from './badges.js';

interface RowProps {
  device: DeviceSummary;
  lang: Lang;
  now: number;
  /** Berlin day of `now`: "last seen" shows only the time for today */
  today: string;
}

/** One device; skips re-rendering unless its device object, the language or the day changed. */
class DeviceRow extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    const p = this.props;
    return next.device !== p.device || next.lang !== p.lang || next.today !== p.today;
  }

  override render({ device: d, lang, now }: RowProps) {
    const none = translate(lang, 'common.none');
    return (
      <tr data-testid="device-row" data-device-id={d.id}>
        <th scope="row">
          <DeviceLink id={d.id}>{d.hostname}</DeviceLink>
        </th>
        <td class="mono">{d.serial}</td>
        <td>
          <StatusBadge online={d.online} lang={lang} />
        </td>
        <td>
          <VpnBadge state={d.vpn.state} lang={lang} />
          {d.vpn.vendor && <span class="sub"> {d.vpn.vendor}</span>}
        </td>
        <td>{d.vpn.gateway ?? none}</td>
        <td>
          <KeyBadge present={d.securityKey.present} lang={lang} />
        </td>
        <td class="mono">{d.agentVersion ?? none}</td>
        <td class="num">
          {d.lastSeen === null ? (
            none
          ) : (
            <time dateTime={new Date(d.lastSeen).toISOString()}>{formatLastSeen(d.lastSeen, now, lang)}</time>
          )}
        </td>
      </tr>
    );
  }
}

function SortHeader({
  column,
  label,
  sort,
  onSort,
}: {
  column: SortKey;
  label: MessageKey;
  sort: SortSpec;
  onSort: (key: SortKey) => void;
}) {
  const [, t] = useLang();
  const active = sort.key === column;
  const ariaSort = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined;
  return (
    <th scope="col" aria-sort={ariaSort}>
      <button
        type="button"
        class="sort"
        onClick={() => onSort(column)}
        title={t('table.sortBy', { column: t(label) })}
        data-testid={`sort-${column}`}
      >
        {t(label)}
        <span class="sort-mark" aria-hidden="true">
          {active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

/** The fleet as a table: filter as you type, sort by hostname or status, 100 rows per page. */
export function DeviceTable({ devices, now }: { devices: ReadonlyMap<string, DeviceSummary>; now: number }) {
  const [lang, t] = useLang();
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<SortSpec>({ key: 'hostname', dir: 'asc' });
  const [page, setPage] = useState(1);

  const list = useMemo(() => visibleDevices(devices.values(), query, sort), [devices, query, sort]);
  const current = pageOf(list, page);
  const today = berlinDay(now);
  const filtered = query.trim() !== '';

  const countText = filtered
    ? t('table.countOf', { n: formatCount(list.length, lang), total: formatCount(devices.size, lang) })
    : null;

  return (
    <section class="panel" aria-labelledby="devices-title">
      <div class="table-tools">
        <h2 id="devices-title">{t('table.caption')}</h2>
        <label class="filter">
          <span>{t('table.filter')}</span>
          <input
            type="search"
            value={query}
            placeholder={t('table.filterPlaceholder')}
            onInput={(ev) => {
              setQuery((ev.currentTarget as HTMLInputElement).value);
              setPage(1);
            }}
            data-testid="device-filter"
            autocomplete="off"
            spellcheck={false}
          />
        </label>
        <p class="count" data-testid="device-count" data-value={list.length} aria-live="polite">
          {countText ?? countLabel(lang, list.length)}
        </p>
      </div>
      <div class="table-scroll">
        <table class="devices">
          <caption class="visually-hidden">
            {t('table.caption')} – {countLabel(lang, list.length)}
          </caption>
          <thead>
            <tr>
              <SortHeader
                column="hostname"
                label="table.hostname"
                sort={sort}
                onSort={(k) => setSort(toggleSort(sort, k))}
              />
              <th scope="col">{t('table.serial')}</th>
              <SortHeader
                column="status"
                label="table.status"
                sort={sort}
                onSort={(k) => setSort(toggleSort(sort, k))}
              />
              <th scope="col">{t('table.vpn')}</th>
              <th scope="col">{t('table.gateway')}</th>
              <th scope="col">{t('table.securityKey')}</th>
              <th scope="col">{t('table.agentVersion')}</th>
              <th scope="col">{t('table.lastSeen')}</th>
            </tr>
          </thead>
          <tbody>
            {current.rows.map((d) => (
              <DeviceRow key={d.id} device={d} lang={lang} now={now} today={today} />
            ))}
          </tbody>
        </table>
        {list.length === 0 && <p class="empty">{t('table.empty')}</p>}
      </div>
      {current.pages > 1 && (
        <nav class="pager" aria-label={t('table.pages')}>
          <button type="button" onClick={() => setPage(current.page - 1)} disabled={current.page <= 1}>
            {t('table.prev')}
          </button>
          <span data-testid="device-page">
            {t('table.page', { page: current.page, pages: current.pages })}
          </span>
          <button
            type="button"
            onClick={() => setPage(current.page + 1)}
            disabled={current.page >= current.pages}
          >
            {t('table.next')}
          </button>
        </nav>
      )}
    </section>
  );
}

/** "1 Gerät", "2.000 Geräte". */
function countLabel(lang: Lang, n: number): string {
  return plural(lang, 'table.count', n, formatCount(n, lang));
}
