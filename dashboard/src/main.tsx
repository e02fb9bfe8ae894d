import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { App } from './app.js';
import { AuthGate, canSeeFleet, guardFetch, NoFleetPage } from './auth/index.js';
import { DEFAULT_LANG, type Lang, parseLang } from './i18n.js';
import { connectLive, liveUrl } from './live.js';
import { createStore, frameScheduler } from './store.js';
import './styles.css';
import './auth/auth.css';

const LANG_KEY = 'lagebild.lang';
// how often the latency window slides forward when no probe results arrive
const TICK_MS = 15_000;

function storedLang(): Lang {
  try {
    return parseLang(localStorage.getItem(LANG_KEY)) ?? DEFAULT_LANG;
  } catch {
    return DEFAULT_LANG;
  }
}

function applyLang(lang: Lang): void {
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // private mode or storage disabled: the choice lasts for this page only
  }
}

// a 401 from any API call, wherever in the app it was made, sends the user back to the login page
const unauthenticated = new Set<() => void>();
window.fetch = guardFetch(window.fetch.bind(window), () => {
  for (const handler of unauthenticated) handler();
});
const subscribeUnauthenticated = (handler: () => void) => {
  unauthenticated.add(handler);
  return () => void unauthenticated.delete(handler);
};

/** The signed-in dashboard: one store fed by the live socket for as long as the session lasts. */
function Dashboard({ lang, onLangChange }: { lang: Lang; onLangChange: (lang: Lang) => void }) {
  const store = useMemo(() => createStore({ schedule: frameScheduler }), []);
  useEffect(() => {
    const live = connectLive({
      url: liveUrl(location),
      onMessage: (message) => store.dispatch(message),
      onStatus: (status) => {
        store.dispatch({ type: 'connection', status });
        // a refused upgrade (401) looks like any dropped connection to a browser: ask whether the
        // session still holds; the fetch guard handles a 401
        if (status === 'reconnecting') fetch('/api/v1/auth/me').catch(() => {});
      },
    });
    // the open device page decides whose "check now" results the socket brings
    const unwatch = store.subscribe(() => live.watch(store.getState().watching));
    const tick = setInterval(() => store.tick(), TICK_MS);
    return () => {
      unwatch();
      live.close();
      clearInterval(tick);
    };
  }, [store]);
  return <App store={store} lang={lang} onLangChange={onLangChange} />;
}

function Root() {
  const [lang, setLang] = useState(storedLang);
  const change = (next: Lang) => {
    applyLang(next);
    setLang(next);
  };
  document.documentElement.lang = lang;
  return (
    <AuthGate lang={lang} onLangChange={change} subscribeUnauthenticated={subscribeUnauthenticated}>
      {(user) =>
        canSeeFleet(user.role) ? (
          <Dashboard key={user.name} lang={lang} onLangChange={change} />
        ) : (
          <NoFleetPage user={user} lang={lang} onLangChange={change} />
        )
      }
    </AuthGate>
  );
}

render(<Root />, document.getElementById('app')!);
