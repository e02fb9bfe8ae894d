import { canAdminister, useRole } from '../auth/index.js';
import { SettingsProbes } from '../components/settings-probes.js';
import { SettingsRetention } from '../components/settings-retention.js';
import { SettingsSecrets } from '../components/settings-secrets.js';
import { SettingsUsers } from '../components/settings-users.js';
import { useLang } from '../hooks.js';
import { Link } from '../router.js';

const SECTIONS = [
  ['pruefziele', 'settings.probe.title'],
  ['registrierung', 'settings.secret.title'],
  ['benutzer', 'settings.user.title'],
  ['aufbewahrung', 'settings.retention.title'],
] as const;

/** Einstellungen: probe targets, enrollment secrets, users, retention — admins only. */
export function SettingsPage() {
  const [, t] = useLang();
  if (!canAdminister(useRole()))
    return (
      <>
        <h1>{t('settings.title')}</h1>
        <p class="notice" data-testid="settings-no-access">
          {t('settings.noAccess')}
        </p>
        <p>
          <Link href="/">{t('page.toOverview')}</Link>
        </p>
      </>
    );
  return (
    <div class="settings">
      <h1>{t('settings.title')}</h1>
      <nav aria-label={t('settings.sections')} class="settings-toc">
        <ul>
          {SECTIONS.map(([id, key]) => (
            <li key={id}>
              <a href={`#${id}`}>{t(key)}</a>
            </li>
          ))}
        </ul>
      </nav>
      <SettingsProbes />
      <SettingsSecrets />
      <SettingsUsers />
      <SettingsRetention />
    </div>
  );
}
