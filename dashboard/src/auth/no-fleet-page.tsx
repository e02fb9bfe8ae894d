import { LangContext } from '../hooks.js';
import { type Lang, translator } from '../i18n.js';
import { LangSwitch } from './lang-switch.js';
import type { SignedInUser } from './session.js';
import { UserMenu } from './user-menu.js';

/** What a role without fleet data (datenschutz) sees: who is signed in, and the way out. */
export function NoFleetPage({
  user,
  lang,
  onLangChange,
}: {
  user: SignedInUser;
  lang: Lang;
  onLangChange: (lang: Lang) => void;
}) {
  const t = translator(lang);
  return (
    <LangContext.Provider value={lang}>
      <header class="top">
        <div class="top-inner">
          <span class="brand">{t('app.title')}</span>
          <div class="top-end">
            <LangSwitch lang={lang} onChange={onLangChange} />
            <UserMenu />
          </div>
        </div>
      </header>
      <main id="main" class="login-main">
        <p class="login-card">{t('auth.noFleet', { role: t(`auth.role.${user.role}`) })}</p>
      </main>
    </LangContext.Provider>
  );
}
