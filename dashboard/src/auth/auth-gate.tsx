import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { LangContext } from '../hooks.js';
import { type Lang, translator } from '../i18n.js';
import { type Auth, AuthContext } from './context.js';
import { LoginPage } from './login-page.js';
import { fetchMe, logout, type SignedInUser } from './session.js';

type GateState =
  | { kind: 'checking' }
  | { kind: 'unreachable' }
  | { kind: 'signedOut'; notice: 'expired' | null }
  | { kind: 'signedIn'; user: SignedInUser };

export interface AuthGateProps {
  lang: Lang;
  onLangChange: (lang: Lang) => void;
  /**
   * Lets the gate hear about a 401 anywhere (a fetch, the live socket): it calls the handler it is
   * given, and the gate returns to the login page.
   */
  subscribeUnauthenticated: (handler: () => void) => () => void;
  /** the app for a signed-in user; rendered anew after each sign-in */
  children: (user: SignedInUser) => ComponentChildren;
}

/** Asks /api/v1/auth/me once, then shows either the login page or the app with the user in context. */
export function AuthGate({ lang, onLangChange, subscribeUnauthenticated, children }: AuthGateProps) {
  const [state, setState] = useState<GateState>({ kind: 'checking' });
  const t = translator(lang);

  const check = useCallback(() => {
    setState({ kind: 'checking' });
    fetchMe().then(
      (user) => setState(user ? { kind: 'signedIn', user } : { kind: 'signedOut', notice: null }),
      () => setState({ kind: 'unreachable' }),
    );
  }, []);
  useEffect(check, []);

  useEffect(
    () =>
      subscribeUnauthenticated(() =>
        setState((s) => (s.kind === 'signedIn' ? { kind: 'signedOut', notice: 'expired' } : s)),
      ),
    [subscribeUnauthenticated],
  );

  const user = state.kind === 'signedIn' ? state.user : null;
  const auth = useMemo<Auth | null>(
    () =>
      user && {
        user,
        logout: () => {
          setState({ kind: 'signedOut', notice: null });
          void logout();
        },
      },
    [user],
  );

  if (state.kind === 'signedIn' && auth)
    return <AuthContext.Provider value={auth}>{children(state.user)}</AuthContext.Provider>;
  if (state.kind === 'signedOut')
    return (
      <LangContext.Provider value={lang}>
        <LoginPage
          lang={lang}
          onLangChange={onLangChange}
          notice={state.notice}
          onSignedIn={(u) => setState({ kind: 'signedIn', user: u })}
        />
      </LangContext.Provider>
    );
  return (
    <main id="main" class="login-main">
      {state.kind === 'checking' ? (
        <p role="status">{t('auth.checking')}</p>
      ) : (
        <div role="alert" class="login-card">
          <p>{t('auth.unreachable')}</p>
          <button type="button" onClick={check}>
            {t('auth.retry')}
          </button>
        </div>
      )}
    </main>
  );
}
