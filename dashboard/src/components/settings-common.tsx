import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { useLang } from '../hooks.js';
import type { Translate } from '../i18n.js';

/** A change's outcome, announced to screen readers: confirmation (status) or failure (alert). */
export type Notice = { kind: 'ok'; text: string } | { kind: 'error'; text: string } | null;

/** The notice line of a settings section; always in the page so that announcements are heard. */
export function NoticeLine({ notice, testId }: { notice: Notice; testId: string }) {
  return (
    <>
      <p
        role="status"
        class={notice?.kind === 'ok' ? 'settings-ok' : 'settings-quiet'}
        data-testid={`${testId}-ok`}
      >
        {notice?.kind === 'ok' ? notice.text : ''}
      </p>
      <p
        role="alert"
        class={notice?.kind === 'error' ? 'settings-error' : 'settings-quiet'}
        data-testid={`${testId}-error`}
      >
        {notice?.kind === 'error' ? notice.text : ''}
      </p>
    </>
  );
}

/** Why a change failed, in words (never the server's JSON): no right, no server, or the short reason. */
export function failureText(t: Translate, error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return t('settings.error.forbidden');
    if (error.status === 401) return t('settings.error.session');
    return t('settings.error.failed', { reason: error.code ?? `HTTP ${error.status}` });
  }
  if (error instanceof TypeError) return t('settings.error.network');
  return t('settings.error.failed', { reason: error instanceof Error ? error.name : 'unknown' });
}

/**
 * A button for a destructive action that asks first: the first press shows the question with
 * "yes" (focused) and "cancel"; Escape or cancel go back.
 */
export function ConfirmButton({
  label,
  subject,
  question,
  confirmLabel,
  onConfirm,
  disabled,
  testId,
}: {
  label: string;
  /** what the action is about (a name), so that screen readers tell the rows' buttons apart */
  subject: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  testId: string;
}) {
  const [, t] = useLang();
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) yes.current?.focus();
  }, [asking]);
  const cancel = () => {
    setAsking(false);
    // back to the button that asked, so the keyboard user is where they were
    setTimeout(() => opener.current?.focus(), 0);
  };
  if (!asking)
    return (
      <button
        type="button"
        class="settings-danger-light"
        ref={opener}
        disabled={disabled}
        aria-label={t('settings.actionFor', { action: label, name: subject })}
        onClick={() => setAsking(true)}
        data-testid={testId}
      >
        {label}
      </button>
    );
  return (
    <fieldset
      class="settings-confirm"
      onKeyDown={(e) => {
        if (e.key === 'Escape') cancel();
      }}
    >
      <legend class="settings-confirm-q">{question}</legend>
      <button
        type="button"
        class="settings-danger"
        ref={yes}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
        data-testid={`${testId}-confirm`}
      >
        {confirmLabel}
      </button>
      <button type="button" onClick={cancel}>
        {t('settings.cancel')}
      </button>
    </fieldset>
  );
}

/** A labelled form field with its hint and error underneath, tied together for screen readers. */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string | null;
  children: ComponentChildren;
}) {
  return (
    <div class={error ? 'settings-field invalid' : 'settings-field'}>
      <label for={id}>{label}</label>
      {children}
      {hint ? (
        <span class="settings-hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span class="settings-field-error" id={`${id}-error`} data-testid={`${id}-error`}>
          {error}
        </span>
      ) : null}
    </div>
  );
}

/** `aria-describedby` for a Field's input: its hint and, when there is one, its error. */
export function describedBy(id: string, hint: boolean, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter((x) => x !== null);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/** Section of the settings page with its heading. */
export function Section({
  id,
  title,
  intro,
  children,
}: {
  id: string;
  title: string;
  intro?: string;
  children: ComponentChildren;
}) {
  return (
    <section class="panel settings-section" aria-labelledby={`${id}-title`} id={id}>
      <h2 id={`${id}-title`}>{title}</h2>
      {intro ? <p class="panel-sub">{intro}</p> : null}
      {children}
    </section>
  );
}
