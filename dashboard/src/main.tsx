import { render } from 'preact';
import { useState } from 'preact/hooks';
import { App } from './app.js';
import { DEFAULT_LANG, type Lang, parseLang } from './i18n.js';
import { connectLive, liveUrl } from './live.js';
import { createStore, frameScheduler } from './store.js';
import './styles.css';

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

const store = createStore({ schedule: frameScheduler });
connectLive({
  url: liveUrl(location),
  onMessage: (message) => store.dispatch(message),
  onStatus: (status) => store.dispatch({ type: 'connection', status }),
});
setInterval(() => store.tick(), TICK_MS);

function Root() {
  const [lang, setLang] = useState(storedLang);
  const change = (next: Lang) => {
    applyLang(next);
    setLang(next);
  };
  document.documentElement.lang = lang;
  return <App store={store} lang={lang} onLangChange={change} />;
}

render(<Root />, document.getElementById('app')!);
