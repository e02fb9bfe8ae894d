import { useRef, useState } from 'preact/hooks';
import {
  ApiError,
  changeUserRole,
  createUser,
  fetchUsers,
  removeUser,
  resetUserPassword,
  type UserRole,
  type UserView,
} from '../api.js';
import { useAuth } from '../auth/index.js';
import { formatDateTime } from '../format.js';
import { useLang } from '../hooks.js';
import type { Translate } from '../i18n.js';
import {
  ConfirmButton,
  describedBy,
  Field,
  failureText,
  type Notice,
  NoticeLine,
  Section,
} from './settings-common.js';
import { useLoad } from './use-load.js';

const ROLES: readonly UserRole[] = ['admin', 'servicedesk', 'viewer', 'datenschutz'];
const MIN_PASSWORD = 12;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function RoleOptions({ t }: { t: Translate }) {
  return (
    <>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {t(`auth.role.${r}`)}
        </option>
      ))}
    </>
  );
}

type NewErrors = { name?: string; password?: string };

/** Dashboard users: list, add, change role, reset password, remove (not oneself, never the last admin). */
export function SettingsUsers() {
  const [lang, t] = useLang();
  const me = useAuth()?.user.name ?? '';
  const [reload, setReload] = useState(0);
  const load = useLoad((signal) => fetchUsers(signal), [reload]);
  const [notice, setNotice] = useState<Notice>(null);
  const [draft, setDraft] = useState<{ name: string; role: UserRole; password: string }>({
    name: '',
    role: 'servicedesk',
    password: '',
  });
  const [errors, setErrors] = useState<NewErrors>({});
  const [busy, setBusy] = useState(false);
  const [roles, setRoles] = useState<Record<string, UserRole>>({});
  const [resetting, setResetting] = useState<string | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  const users = load.kind === 'ready' ? load.value.users : load.previous?.users;
  const admins = users?.filter((u) => u.role === 'admin').length ?? 0;
  const done = (text: string) => {
    setNotice({ kind: 'ok', text });
    setReload((n) => n + 1);
  };
  const failed = (e: unknown) => setNotice({ kind: 'error', text: failureText(t, e) });

  const add = async (ev: Event) => {
    ev.preventDefault();
    if (busy) return;
    const name = draft.name.trim();
    const next: NewErrors = {};
    if (!NAME_PATTERN.test(name)) next.name = t('settings.user.nameRule');
    if (draft.password.length < MIN_PASSWORD)
      next.password = t('settings.user.passwordRule', { n: MIN_PASSWORD });
    setErrors(next);
    setNotice(null);
    if (next.name || next.password) {
      (next.name ? nameRef : passwordRef).current?.focus();
      return;
    }
    setBusy(true);
    try {
      const user = await createUser({ name, role: draft.role, password: draft.password });
      setDraft({ name: '', role: 'servicedesk', password: '' });
      done(t('settings.user.added', { name: user.name, role: t(`auth.role.${user.role}`) }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        setErrors({ name: t('settings.user.nameTaken') });
        nameRef.current?.focus();
      } else if (e instanceof ApiError && e.status === 400 && /password/.test(e.message)) {
        setErrors({ password: t('settings.user.passwordRule', { n: MIN_PASSWORD }) });
        passwordRef.current?.focus();
      } else if (e instanceof ApiError && e.status === 400) {
        setErrors({ name: t('settings.user.nameRule') });
        nameRef.current?.focus();
      } else failed(e);
    } finally {
      setBusy(false);
    }
  };

  const applyRole = async (user: UserView) => {
    const role = roles[user.name] ?? user.role;
    if (role === user.role) return;
    try {
      await changeUserRole(user.name, role);
      setRoles(({ [user.name]: _, ...rest }) => rest);
      done(t('settings.user.roleChanged', { name: user.name, role: t(`auth.role.${role}`) }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 409)
        setNotice({ kind: 'error', text: t('settings.user.lastAdmin') });
      else failed(e);
    }
  };

  const remove = async (user: UserView) => {
    try {
      await removeUser(user.name);
      done(t('settings.user.removed', { name: user.name }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 409)
        setNotice({ kind: 'error', text: t('settings.user.cannotRemove') });
      else failed(e);
    }
  };

  return (
    <Section id="benutzer" title={t('settings.user.title')} intro={t('settings.user.intro')}>
      <NoticeLine notice={notice} testId="users" />
      {load.kind === 'failed' && !users ? (
        <p class="notice" role="alert">
          {failureText(t, load.error)}
        </p>
      ) : !users ? (
        <p class="muted-text">{t('settings.loading')}</p>
      ) : (
        <div class="table-scroll">
          <table data-testid="user-table">
            <caption class="visually-hidden">{t('settings.user.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('settings.user.name')}</th>
                <th scope="col">{t('settings.user.role')}</th>
                <th scope="col">{t('settings.user.createdAt')}</th>
                <th scope="col">{t('settings.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => {
                const self = same(u.name, me);
                const lastAdmin = u.role === 'admin' && admins <= 1;
                const chosen = roles[u.name] ?? u.role;
                const roleId = `role-${u.id}`;
                return (
                  <tr key={u.id} data-testid="user-row" data-name={u.name}>
                    <th scope="row">
                      {u.name}
                      {self ? <span class="muted-text"> {t('settings.user.you')}</span> : null}
                    </th>
                    <td>
                      {self || lastAdmin ? (
                        <span data-testid="user-role">{t(`auth.role.${u.role}`)}</span>
                      ) : (
                        <span class="settings-inline">
                          <label for={roleId} class="visually-hidden">
                            {t('settings.user.roleOf', { name: u.name })}
                          </label>
                          <select
                            id={roleId}
                            value={chosen}
                            onChange={(e) =>
                              setRoles((r) => ({
                                ...r,
                                [u.name]: (e.target as HTMLSelectElement).value as UserRole,
                              }))
                            }
                            data-testid="user-role-select"
                          >
                            <RoleOptions t={t} />
                          </select>
                          {chosen !== u.role ? (
                            <button
                              type="button"
                              onClick={() => void applyRole(u)}
                              data-testid="user-role-apply"
                            >
                              {t('settings.user.applyRole')}
                            </button>
                          ) : null}
                        </span>
                      )}
                    </td>
                    <td>{formatDateTime(u.createdAt, lang)}</td>
                    <td class="settings-actions">
                      {resetting === u.name ? (
                        <PasswordReset
                          user={u}
                          onCancel={() => setResetting(null)}
                          onDone={() => {
                            setResetting(null);
                            done(t('settings.user.passwordReset', { name: u.name }));
                          }}
                          onError={failed}
                        />
                      ) : (
                        <button
                          type="button"
                          onClick={() => setResetting(u.name)}
                          aria-label={t('settings.user.resetFor', { name: u.name })}
                        >
                          {t('settings.user.reset')}
                        </button>
                      )}
                      {self || lastAdmin ? null : (
                        <ConfirmButton
                          label={t('settings.user.remove')}
                          subject={u.name}
                          question={t('settings.user.confirmRemove', { name: u.name })}
                          confirmLabel={t('settings.user.removeYes')}
                          onConfirm={() => void remove(u)}
                          testId={`user-remove-${u.name}`}
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <form class="settings-form" onSubmit={add} noValidate aria-labelledby="user-form-title">
        <h3 id="user-form-title">{t('settings.user.new')}</h3>
        <div class="settings-grid">
          <Field id="user-name" label={t('settings.user.name')} error={errors.name}>
            <input
              id="user-name"
              ref={nameRef}
              value={draft.name}
              autocomplete="off"
              autocapitalize="none"
              spellcheck={false}
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={describedBy('user-name', false, errors.name)}
              onInput={(e) => setDraft((d) => ({ ...d, name: (e.target as HTMLInputElement).value }))}
              data-testid="user-name"
            />
          </Field>
          <Field id="user-role" label={t('settings.user.role')}>
            <select
              id="user-role"
              value={draft.role}
              onChange={(e) =>
                setDraft((d) => ({ ...d, role: (e.target as HTMLSelectElement).value as UserRole }))
              }
              data-testid="user-role-new"
            >
              <RoleOptions t={t} />
            </select>
          </Field>
          <Field
            id="user-password"
            label={t('settings.user.password')}
            hint={t('settings.user.passwordHint', { n: MIN_PASSWORD })}
            error={errors.password}
          >
            <input
              id="user-password"
              ref={passwordRef}
              type="password"
              autocomplete="new-password"
              value={draft.password}
              aria-invalid={errors.password ? true : undefined}
              aria-describedby={describedBy('user-password', true, errors.password)}
              onInput={(e) => setDraft((d) => ({ ...d, password: (e.target as HTMLInputElement).value }))}
              data-testid="user-password"
            />
          </Field>
        </div>
        <button type="submit" class="settings-primary" disabled={busy} data-testid="user-create">
          {t('settings.user.create')}
        </button>
      </form>
    </Section>
  );
}

/** The inline "new password" form of one user's row. */
function PasswordReset({
  user,
  onCancel,
  onDone,
  onError,
}: {
  user: UserView;
  onCancel: () => void;
  onDone: () => void;
  onError: (e: unknown) => void;
}) {
  const [, t] = useLang();
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState(false);
  const id = `reset-${user.id}`;
  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (password.length < MIN_PASSWORD) {
      setProblem(true);
      return;
    }
    try {
      await resetUserPassword(user.name, password);
      onDone();
    } catch (e) {
      onError(e);
    }
  };
  return (
    <form class="settings-inline" onSubmit={submit} noValidate>
      <label for={id} class="visually-hidden">
        {t('settings.user.newPasswordFor', { name: user.name })}
      </label>
      <input
        id={id}
        type="password"
        autocomplete="new-password"
        value={password}
        // the reset form opens on request: the field to type in is where the focus belongs
        // biome-ignore lint/a11y/noAutofocus: opened by the user's own click
        autoFocus
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-error` : undefined}
        onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onCancel();
        }}
      />
      <button type="submit">{t('settings.save')}</button>
      <button type="button" onClick={onCancel}>
        {t('settings.cancel')}
      </button>
      {problem ? (
        <span class="settings-field-error" id={`${id}-error`} role="alert">
          {t('settings.user.passwordRule', { n: MIN_PASSWORD })}
        </span>
      ) : null}
    </form>
  );
}
