import { useLang } from '../hooks.js';
import { useAuth } from './context.js';

/** The header's "signed in as NAME (ROLE)" and the Abmelden button. */
export function UserMenu() {
  const auth = useAuth();
  const [, t] = useLang();
  if (!auth) return null;
  const role = t(`auth.role.${auth.user.role}`);
  return (
    <div class="user-menu">
      <span class="user-name" data-testid="user">
        <span class="visually-hidden">{t('auth.user', { name: auth.user.name, role })}</span>
        <span aria-hidden="true">
          {auth.user.name} <span class="user-role">{role}</span>
        </span>
      </span>
      <button type="button" class="logout" onClick={() => auth.logout()}>
        {t('auth.logout')}
      </button>
    </div>
  );
}
