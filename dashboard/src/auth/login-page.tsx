import { useEffect, useRef, useState } from 'preact/hooks';
import { type Lang, translator } from '../i18n.js';
import { LangSwitch } from './lang-switch.js';
import { login, type SignedInUser } from './session.js';

export interface LoginPageProps {
  lang: Lang;
  onLangChange: (lang: Lang) => void;
  onSignedIn: (user: SignedInUser) => void;
  /** why the user is here again (the session ended), shown above the form */
  notice?: 'expired' | null;
}

type Problem = 'failed' | 'missing' | 'error' | null;

/** Name and password; errors are announced (role="alert") in plain words, never the server's JSON. */
export function LoginPage({ lang, onLangChange, onSignedIn, notice }: LoginPageProps) {
  const t = translator(lang);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => nameRef.current?.focus(), []);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (busy) return;
    if (!name.trim() || !password) {
      setProblem('missing');
      (name.trim() ? passwordRef : nameRef).current?.focus();
      return;
    }
    setBusy(true);
    setProblem(null);
    const result = await login(name.trim(), password);
    setBusy(false);
    if (result.ok) return onSignedIn(result.user);
    setProblem(result.reason === 'credentials' ? 'failed' : 'error');
    setPassword('');
    passwordRef.current?.focus();
  };

  return (
    <div class="login">
      <header class="top">
        <div class="top-inner">
          <span class="brand">{t('app.title')}</span>
          <div class="top-end">
            <LangSwitch lang={lang} onChange={onLangChange} />
          </div>
        </div>
      </header>
      <main id="main" class="login-main">
        <form class="login-card" onSubmit={submit} noValidate aria-labelledby="login-title">
          <h1 id="login-title">{t('auth.title')}</h1>
          <p class="login-intro">{t('auth.intro')}</p>
          {notice === 'expired' && !problem ? (
            <p class="login-notice" role="status">
              {t('auth.expired')}
            </p>
          ) : null}
          <div role="alert" class={problem ? 'login-error' : 'login-error-empty'}>
            {problem ? t(`auth.${problem}`) : null}
          </div>
          <label for="login-name">{t('auth.name')}</label>
          <input
            id="login-name"
            ref={nameRef}
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            value={name}
            aria-invalid={problem === 'failed' || (problem === 'missing' && !name.trim())}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
          <label for="login-password">{t('auth.password')}</label>
          <input
            id="login-password"
            ref={passwordRef}
            type="password"
            name="password"
            autocomplete="current-password"
            value={password}
            aria-invalid={problem === 'failed' || (problem === 'missing' && !password)}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
          <button type="submit" class="login-submit" disabled={busy}>
            {busy ? t('auth.submitting') : t('auth.submit')}
          </button>
        </form>
      </main>
    </div>
  );
}
