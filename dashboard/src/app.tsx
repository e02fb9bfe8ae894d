import { useEffect, useState } from 'preact/hooks';
import { fetchLatency } from './api.js';
import { canAdminister, UserMenu, useRole } from './auth/index.js';
import { LangSwitch } from './auth/lang-switch.js';
import { ConnectionStatusBadge } from './components/connection-status.js';
import { LangContext, useStoreState } from './hooks.js';
import { type Lang, translate } from './i18n.js';
import { CHART_BUCKET_SEC, CHART_MINUTES } from './latency.js';
import { AppDetailPage } from './pages/app-detail.js';
import { AppsPage } from './pages/apps.js';
import { DeviceDetailPage } from './pages/device-detail.js';
import { DevicesPage } from './pages/devices.js';
import { NotFoundPage } from './pages/not-found.js';
import { OverviewPage } from './pages/overview.js';
import { SettingsPage } from './pages/settings.js';
import { Link, useRoute } from './router.js';
import { appsPath, devicesPath, parseAppQuery, parseDevicesQuery, settingsPath } from './routes.js';
import type { Store } from './store.js';

export interface AppProps {
  store: Store;
  lang: Lang;
  onLangChange: (lang: Lang) => void;
}

/** Loads the chart's history after every snapshot: a reconnect may have missed probe results. */
function useLatencyHistory(store: Store, snapshots: number): boolean {
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (snapshots === 0) return;
    const abort = new AbortController();
    fetchLatency(CHART_MINUTES, CHART_BUCKET_SEC, abort.signal).then(
      (history) => {
        setFailed(false);
        store.dispatch({ type: 'latencyHistory', history });
      },
      () => {
        if (!abort.signal.aborted) setFailed(true);
      },
    );
    return () => abort.abort();
  }, [store, snapshots]);
  return failed;
}

/** The whole dashboard: header with connection state and language switch, then the current page. */
export function App({ store, lang, onLangChange }: AppProps) {
  const state = useStoreState(store);
  const route = useRoute();
  const latencyFailed = useLatencyHistory(store, state.snapshots);
  const t = (key: Parameters<typeof translate>[1]) => translate(lang, key);
  const admin = canAdminister(useRole());

  let page = <NotFoundPage />;
  if (route.name === 'overview') page = <OverviewPage state={state} latencyFailed={latencyFailed} />;
  else if (route.name === 'device')
    page = <DeviceDetailPage key={route.id} id={route.id} live={state.devices.get(route.id)} store={store} />;
  // pages that read their query start over when a link changes it (a route object is new per navigation)
  else if (route.name === 'devices')
    page = <DevicesPage key={route} initial={parseDevicesQuery(location.search)} />;
  else if (route.name === 'apps')
    page = <AppsPage key={route} initialRange={parseAppQuery(location.search).range} />;
  else if (route.name === 'app')
    page = <AppDetailPage key={route} app={route.app} initial={parseAppQuery(location.search)} />;
  // servicedesk and viewer get the page's "no access" text: a pasted link should say why, not 404
  else if (route.name === 'settings') page = <SettingsPage />;

  return (
    <LangContext.Provider value={lang}>
      <a class="skip" href="#main">
        {t('app.skip')}
      </a>
      <header class="top">
        <div class="top-inner">
          <Link href="/" class="brand">
            {t('app.title')}
          </Link>
          <nav aria-label={t('nav.label')}>
            <Link href="/" aria-current={route.name === 'overview' ? 'page' : undefined}>
              {t('nav.overview')}
            </Link>
            <Link
              href={appsPath()}
              aria-current={route.name === 'apps' || route.name === 'app' ? 'page' : undefined}
            >
              {t('apps.nav')}
            </Link>
            <Link
              href={devicesPath()}
              aria-current={route.name === 'devices' || route.name === 'device' ? 'page' : undefined}
            >
              {t('devices.nav')}
            </Link>
            {admin ? (
              <Link href={settingsPath()} aria-current={route.name === 'settings' ? 'page' : undefined}>
                {t('settings.nav')}
              </Link>
            ) : null}
          </nav>
          <div class="top-end">
            <ConnectionStatusBadge status={state.connection} />
            <UserMenu />
            <LangSwitch lang={lang} onChange={onLangChange} />
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </LangContext.Provider>
  );
}
