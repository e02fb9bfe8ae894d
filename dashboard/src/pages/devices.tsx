import type { DeviceList, DeviceSummary } from '@lagebild/shared';
import { useEffect, useRef, useState } from 'preact/hooks';
import { fetchDevices } from '../api.js';
import { canOpenDevices, DeviceLink, useRole } from '../auth/index.js';
import { KeyBadge, StatusBadge, VpnBadge } from '../components/badges.js';
import { failureReason, useLoad } from '../components/use-load.js';
import { formatCount, formatLastSeen } from '../format.js';
import { useLang } from '../hooks.js';
import { type Lang, plural, translate } from '../i18n.js';
import { navigate } from '../router.js';
import { type DevicesQuery, devicePath, devicesPath } from '../routes.js';

/** Results per page. */
export const PAGE_SIZE = 50;
/** Typing pauses shorter than this do not start a search. */
export const DEBOUNCE_MS = 150;

function ResultRow({ device: d, lang, now }: { device: DeviceSummary; lang: Lang; now: number }) {
  const none = translate(lang, 'common.none');
  return (
    <tr data-testid="search-row" data-device-id={d.id}>
      <th scope="row">
        <DeviceLink id={d.id}>{d.hostname}</DeviceLink>
      </th>
      <td class="mono">{d.serial || none}</td>
      <td>
        <StatusBadge online={d.online} lang={lang} />
      </td>
      <td>
        <VpnBadge state={d.vpn.state} lang={lang} />
      </td>
      <td>{d.vpn.gateway ?? none}</td>
      <td>
        <KeyBadge present={d.securityKey.present} lang={lang} />
      </td>
      <td>{d.site ?? none}</td>
      <td>{d.orgUnit ?? none}</td>
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

function Results({ list, page, lang }: { list: DeviceList; page: number; lang: Lang }) {
  const t = (key: Parameters<typeof translate>[1]) => translate(lang, key);
  const now = Date.now();
  return (
    <div class="table-scroll">
      <table class="devices">
        <caption class="visually-hidden">
          {t('devices.caption')}, {translate(lang, 'table.page', { page, pages: pagesOf(list.total) })}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t('table.hostname')}</th>
            <th scope="col">{t('table.serial')}</th>
            <th scope="col">{t('table.status')}</th>
            <th scope="col">{t('table.vpn')}</th>
            <th scope="col">{t('table.gateway')}</th>
            <th scope="col">{t('table.securityKey')}</th>
            <th scope="col">{t('devices.site')}</th>
            <th scope="col">{t('devices.orgUnit')}</th>
            <th scope="col">{t('table.lastSeen')}</th>
          </tr>
        </thead>
        <tbody>
          {list.devices.map((d) => (
            <ResultRow key={d.id} device={d} lang={lang} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function pagesOf(total: number): number {
  return Math.max(1, Math.ceil(total / PAGE_SIZE));
}

/**
 * Geräte: one search box over hostname and serial number, results as you type (debounced; a newer
 * search aborts the older one), paged, each row a link to the device. The search lives in the URL.
 */
export function DevicesPage({ initial }: { initial: DevicesQuery }) {
  const [lang, t] = useLang();
  const [text, setText] = useState(initial.q);
  const [query, setQuery] = useState(initial.q);
  const [page, setPage] = useState(initial.page);
  const [retry, setRetry] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  // Enter pressed for this search: open its result as soon as it is known to be the only one
  const openWhenSingle = useRef<string | null>(null);
  // a viewer sees the list but no device page
  const mayOpen = canOpenDevices(useRole());

  useEffect(() => {
    input.current?.focus();
    document.title = `${t('devices.nav')} – ${t('app.title')}`;
    return () => {
      document.title = t('app.title');
    };
  }, [t]);

  useEffect(() => {
    if (text === query) return;
    const timer = setTimeout(() => {
      setQuery(text);
      setPage(1);
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, query]);

  // the URL follows the search (replaced, so Back leaves the page instead of stepping through keystrokes)
  useEffect(() => {
    const path = devicesPath({ q: query, page });
    if (`${location.pathname}${location.search}` !== path) history.replaceState(null, '', path);
  }, [query, page]);

  const load = useLoad(
    (signal) => fetchDevices({ q: query, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }, signal),
    [query, page, retry],
  );
  const list = load.kind === 'ready' ? load.value : load.previous;

  useEffect(() => {
    if (load.kind !== 'ready' || openWhenSingle.current !== query) return;
    openWhenSingle.current = null;
    if (mayOpen && load.value.total === 1) navigate(devicePath(load.value.devices[0]!.id));
  }, [load, query, mayOpen]);

  const onSubmit = (ev: Event) => {
    ev.preventDefault();
    if (load.kind === 'ready' && text === query) {
      if (mayOpen && load.value.total === 1) navigate(devicePath(load.value.devices[0]!.id));
      return;
    }
    openWhenSingle.current = text;
    setQuery(text);
    setPage(1);
  };

  const busy = load.kind === 'loading' || text !== query;
  const pages = list ? pagesOf(list.total) : 1;
  const first = (page - 1) * PAGE_SIZE + 1;

  let status = '';
  if (list && !busy) {
    status = plural(lang, 'devices.count', list.total, formatCount(list.total, lang));
    if (list.total > PAGE_SIZE)
      status += ` · ${t('devices.showing', {
        from: formatCount(first, lang),
        to: formatCount(first + list.devices.length - 1, lang),
      })}`;
  } else if (busy) status = t('devices.loading');

  return (
    <>
      <h1>{t('devices.title')}</h1>
      <section class="panel" aria-labelledby="search-label">
        <search>
          <form class="search" onSubmit={onSubmit}>
            <label id="search-label" class="search-label" for="device-search">
              {t('devices.search')}
            </label>
            <input
              ref={input}
              id="device-search"
              type="search"
              value={text}
              placeholder={t('devices.placeholder')}
              aria-describedby="device-search-hint"
              onInput={(ev) => setText((ev.currentTarget as HTMLInputElement).value)}
              data-testid="device-search"
              autocomplete="off"
              spellcheck={false}
            />
            <p id="device-search-hint" class="panel-sub">
              {t('devices.hint')}
            </p>
          </form>
        </search>
        <p
          class="count"
          aria-live="polite"
          data-testid="search-count"
          data-value={list && !busy ? list.total : undefined}
          data-busy={busy ? 'true' : undefined}
        >
          {status}
        </p>
        {load.kind === 'failed' && (
          <div class="notice" role="alert">
            {t('devices.error', { reason: failureReason(load.error) })}{' '}
            <button type="button" class="link-button" onClick={() => setRetry((n) => n + 1)}>
              {t('devices.retry')}
            </button>
          </div>
        )}
        {list && list.devices.length > 0 && (
          <div aria-busy={busy ? 'true' : 'false'}>
            <Results list={list} page={page} lang={lang} />
          </div>
        )}
        {list && list.total === 0 && !busy && (
          <p class="empty" data-testid="search-empty">
            {query.trim() ? t('devices.empty', { q: query.trim() }) : t('devices.emptyFleet')}
          </p>
        )}
        {list && pages > 1 && (
          <nav class="pager" aria-label={t('devices.pages')}>
            <button type="button" onClick={() => setPage(page - 1)} disabled={page <= 1}>
              {t('table.prev')}
            </button>
            <span data-testid="search-page">{t('table.page', { page, pages })}</span>
            <button type="button" onClick={() => setPage(page + 1)} disabled={page >= pages}>
              {t('table.next')}
            </button>
          </nav>
        )}
      </section>
    </>
  );
}
