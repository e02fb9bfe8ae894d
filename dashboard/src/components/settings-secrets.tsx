import { useEffect, useRef, useState } from 'preact/hooks';
import { createEnrollSecret, fetchEnrollSecrets, revokeEnrollSecret } from '../api.js';
import { formatDateTime } from '../format.js';
import { useLang } from '../hooks.js';
import { ConfirmButton, failureText, type Notice, NoticeLine, Section } from './settings-common.js';
import { useLoad } from './use-load.js';

/** Enrollment secrets: list, create (the secret is shown once, with a copy button), revoke. */
export function SettingsSecrets() {
  const [lang, t] = useLang();
  const [reload, setReload] = useState(0);
  const load = useLoad((signal) => fetchEnrollSecrets(signal), [reload]);
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [fresh, setFresh] = useState<{ label: string; secret: string } | null>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const secretRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (fresh) secretRef.current?.focus();
  }, [fresh]);

  const secrets = load.kind === 'ready' ? load.value.secrets : load.previous?.secrets;
  const dt = (ts: number | null) => (ts === null ? t('common.none') : formatDateTime(ts, lang));

  const create = async (ev: Event) => {
    ev.preventDefault();
    if (busy) return;
    setBusy(true);
    setNotice(null);
    try {
      const created = await createEnrollSecret(label.trim());
      setFresh({ label: created.label, secret: created.secret });
      setCopied(null);
      setLabel('');
      setNotice({ kind: 'ok', text: t('settings.secret.created') });
      setReload((n) => n + 1);
    } catch (e) {
      setNotice({ kind: 'error', text: failureText(t, e) });
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (!fresh) return;
    try {
      await navigator.clipboard.writeText(fresh.secret);
      setCopied('yes');
    } catch {
      // no clipboard permission (plain http, old browser): select it for Ctrl+C instead
      secretRef.current?.select();
      setCopied('no');
    }
  };

  const revoke = async (id: string, name: string) => {
    try {
      await revokeEnrollSecret(id);
      setNotice({ kind: 'ok', text: t('settings.secret.revoked', { label: name }) });
      setReload((n) => n + 1);
    } catch (e) {
      setNotice({ kind: 'error', text: failureText(t, e) });
    }
  };

  return (
    <Section id="registrierung" title={t('settings.secret.title')} intro={t('settings.secret.intro')}>
      <NoticeLine notice={notice} testId="secrets" />
      {fresh ? (
        <div class="settings-secret" data-testid="secret-fresh">
          <label for="secret-value">
            {t('settings.secret.value', { label: fresh.label || t('settings.secret.noLabel') })}
          </label>
          <div class="settings-inline">
            <input
              id="secret-value"
              ref={secretRef}
              class="mono settings-wide"
              readOnly
              value={fresh.secret}
              aria-describedby="secret-once"
              onFocus={(e) => (e.target as HTMLInputElement).select()}
              data-testid="secret-value"
            />
            <button type="button" onClick={() => void copy()} data-testid="secret-copy">
              {t('settings.secret.copy')}
            </button>
            <button type="button" onClick={() => setFresh(null)}>
              {t('settings.secret.hide')}
            </button>
          </div>
          <p id="secret-once" class="settings-hint">
            {t('settings.secret.once')}
          </p>
          <p role="status" class="settings-hint">
            {copied === 'yes'
              ? t('settings.secret.copied')
              : copied === 'no'
                ? t('settings.secret.copyManually')
                : ''}
          </p>
        </div>
      ) : null}

      {load.kind === 'failed' && !secrets ? (
        <p class="notice" role="alert">
          {failureText(t, load.error)}
        </p>
      ) : !secrets ? (
        <p class="muted-text">{t('settings.loading')}</p>
      ) : secrets.length === 0 ? (
        <p class="empty">{t('settings.secret.empty')}</p>
      ) : (
        <div class="table-scroll">
          <table data-testid="secret-table">
            <caption class="visually-hidden">{t('settings.secret.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('settings.secret.label')}</th>
                <th scope="col">{t('settings.secret.createdAt')}</th>
                <th scope="col">{t('settings.secret.lastUsed')}</th>
                <th scope="col">{t('settings.secret.uses')}</th>
                <th scope="col">{t('settings.secret.state')}</th>
                <th scope="col">{t('settings.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {secrets.map((s) => {
                const name = s.label || t('settings.secret.noLabel');
                return (
                  <tr key={s.id} data-testid="secret-row" data-label={s.label}>
                    <th scope="row">{name}</th>
                    <td>{dt(s.createdAt)}</td>
                    <td>{dt(s.lastUsedAt)}</td>
                    <td class="num">{s.uses.toLocaleString(lang)}</td>
                    <td data-testid="secret-state">
                      {s.revokedAt === null ? (
                        <span class="badge good">{t('settings.secret.active')}</span>
                      ) : (
                        <span class="badge muted">
                          {t('settings.secret.revokedAt', { time: dt(s.revokedAt) })}
                        </span>
                      )}
                    </td>
                    <td class="settings-actions">
                      {s.revokedAt === null ? (
                        <ConfirmButton
                          label={t('settings.secret.revoke')}
                          subject={name}
                          question={t('settings.secret.confirmRevoke', { label: name })}
                          confirmLabel={t('settings.secret.revokeYes')}
                          onConfirm={() => void revoke(s.id, name)}
                          testId={`secret-revoke-${s.id}`}
                        />
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <form class="settings-form settings-inline-form" onSubmit={create} aria-labelledby="secret-form-title">
        <h3 id="secret-form-title">{t('settings.secret.new')}</h3>
        <div class="settings-field">
          <label for="secret-label">{t('settings.secret.label')}</label>
          <input
            id="secret-label"
            value={label}
            maxLength={128}
            autocomplete="off"
            aria-describedby="secret-label-hint"
            onInput={(e) => setLabel((e.target as HTMLInputElement).value)}
            data-testid="secret-label"
          />
          <span class="settings-hint" id="secret-label-hint">
            {t('settings.secret.labelHint')}
          </span>
        </div>
        <button type="submit" class="settings-primary" disabled={busy} data-testid="secret-create">
          {t('settings.secret.create')}
        </button>
      </form>
    </Section>
  );
}
