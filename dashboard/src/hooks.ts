import { createContext } from 'preact';
import { useContext, useEffect, useReducer, useRef } from 'preact/hooks';
import { DEFAULT_LANG, type Lang, type Translate, translator } from './i18n.js';
import type { DashboardState } from './state.js';
import type { Store } from './store.js';

/** The current UI language. */
export const LangContext = createContext<Lang>(DEFAULT_LANG);

/** The current language and a translate function bound to it. */
export function useLang(): [Lang, Translate] {
  const lang = useContext(LangContext);
  return [lang, translator(lang)];
}

/** Re-renders the component whenever the store publishes a new state (at most once per frame). */
export function useStoreState(store: Store): DashboardState {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const state = store.getState();
  const rendered = useRef(state);
  rendered.current = state;
  useEffect(() => {
    const unsubscribe = store.subscribe(() => bump(0));
    // an update may have been published between render and subscribe
    if (store.getState() !== rendered.current) bump(0);
    return unsubscribe;
  }, [store]);
  return state;
}

/** The current time, refreshed every `everyMs` (for views that age, like "last seen"). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useReducer((_: number, t: number) => t, Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}
