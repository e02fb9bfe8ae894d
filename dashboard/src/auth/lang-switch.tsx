import { LANGS, type Lang, translate } from '../i18n.js';

/** DE / EN buttons: in the app's header and on the login page. */
export function LangSwitch({ lang, onChange }: { lang: Lang; onChange: (lang: Lang) => void }) {
  return (
    <fieldset class="lang">
      <legend class="visually-hidden">{translate(lang, 'lang.label')}</legend>
      {LANGS.map((l) => (
        <button
          type="button"
          key={l}
          lang={l}
          aria-pressed={l === lang}
          title={translate(l, `lang.${l}`)}
          onClick={() => onChange(l)}
          data-testid={`lang-${l}`}
        >
          {l.toUpperCase()}
        </button>
      ))}
    </fieldset>
  );
}
