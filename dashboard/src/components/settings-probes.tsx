import type { ProbeConfig } from '@lagebild/shared';
import { useRef, useState } from 'preact/hooks';
import { ApiError, fetchProbeConfig, type ProbePreview, previewProbe, saveProbes } from '../api.js';
import { formatMs, formatTime, probeErrorLabel } from '../format.js';
import { useLang } from '../hooks.js';
import type { MessageKey } from '../i18n.js';
import {
  ConfirmButton,
  describedBy,
  Field,
  failureText,
  type Notice,
  NoticeLine,
  Section,
} from './settings-common.js';
import {
  draftOf,
  emptyDraft,
  type ProbeDraft,
  type ProbeField,
  probeOf,
  problemFields,
} from './settings-probe-fields.js';
import { useLoad } from './use-load.js';

type Editing = { index: number | null; draft: ProbeDraft; original?: ProbeConfig };
type Errors = Partial<Record<ProbeField, string>>;

const FIELD_IDS: Record<ProbeField, string> = {
  app: 'probe-app',
  id: 'probe-id',
  kind: 'probe-kind',
  target: 'probe-target',
  intervalSec: 'probe-interval',
  timeoutMs: 'probe-timeout',
  expectStatus: 'probe-status',
  expectBody: 'probe-body',
};

/** The Fachverfahren probe targets: list, add, edit, delete, and a test run from the server. */
export function SettingsProbes() {
  const [lang, t] = useLang();
  const [reload, setReload] = useState(0);
  const load = useLoad((signal) => fetchProbeConfig(signal), [reload]);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [formProblem, setFormProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<ProbePreview | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);

  const config = load.kind === 'ready' ? load.value : load.previous;
  const probes = config?.probes ?? [];

  const open = (next: Editing) => {
    setEditing(next);
    setErrors({});
    setFormProblem(null);
    setPreview(null);
    setNotice(null);
    setTimeout(() => formRef.current?.querySelector<HTMLInputElement>('input')?.focus(), 0);
  };
  const close = () => {
    setEditing(null);
    setPreview(null);
    setTimeout(() => addRef.current?.focus(), 0);
  };
  const set = (field: ProbeField, value: string) =>
    setEditing((e) => (e ? { ...e, draft: { ...e.draft, [field]: value } } : e));

  /** Shows a 400's field problems next to the fields and focuses the first; false for other failures. */
  const showValidation = (error: unknown, index: number | null): boolean => {
    if (!(error instanceof ApiError) || error.status !== 400) return false;
    const found = problemFields(error.message, index);
    const next: Errors = {};
    for (const f of found.fields)
      next[f] = t(
        f === 'id' && found.duplicateId
          ? 'settings.probe.rule.duplicate'
          : (`settings.probe.rule.${f}` as MessageKey),
      );
    setErrors(next);
    setFormProblem(found.other.length > 0 ? t('settings.probe.otherInvalid') : t('settings.probe.invalid'));
    const first = found.fields[0];
    if (first) setTimeout(() => document.getElementById(FIELD_IDS[first])?.focus(), 0);
    return true;
  };

  const save = async (ev: Event) => {
    ev.preventDefault();
    if (!editing || busy) return;
    const probe = probeOf(editing.draft, editing.original);
    const index = editing.index ?? probes.length;
    const list: unknown[] = [...probes];
    list[index] = probe;
    setBusy(true);
    setErrors({});
    setFormProblem(null);
    try {
      const saved = await saveProbes(list);
      setNotice({
        kind: 'ok',
        text: t(editing.index === null ? 'settings.probe.added' : 'settings.probe.saved', {
          app: String(probe.app),
          version: saved.version,
        }),
      });
      close();
      setReload((n) => n + 1);
    } catch (e) {
      if (!showValidation(e, index)) setFormProblem(failureText(t, e));
    } finally {
      setBusy(false);
    }
  };

  const test = async () => {
    if (!editing || busy) return;
    setBusy(true);
    setErrors({});
    setFormProblem(null);
    setPreview(null);
    try {
      setPreview(await previewProbe(probeOf(editing.draft, editing.original)));
    } catch (e) {
      if (!showValidation(e, null)) setFormProblem(failureText(t, e));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (index: number) => {
    const gone = probes[index]!;
    try {
      const saved = await saveProbes(probes.filter((_, i) => i !== index));
      setNotice({ kind: 'ok', text: t('settings.probe.removed', { app: gone.app, version: saved.version }) });
      if (editing?.index === index) setEditing(null);
      setReload((n) => n + 1);
    } catch (e) {
      setNotice({ kind: 'error', text: failureText(t, e) });
    }
  };

  const input = (field: ProbeField, props: Record<string, unknown> = {}) => {
    const id = FIELD_IDS[field];
    const hint = field === 'expectStatus' || field === 'target';
    return (
      <input
        id={id}
        value={editing?.draft[field] ?? ''}
        aria-invalid={errors[field] ? true : undefined}
        aria-describedby={describedBy(id, hint, errors[field])}
        onInput={(e) => set(field, (e.target as HTMLInputElement).value)}
        data-testid={id}
        {...props}
      />
    );
  };

  return (
    <Section id="pruefziele" title={t('settings.probe.title')} intro={t('settings.probe.intro')}>
      <NoticeLine notice={notice} testId="probes" />
      {load.kind === 'failed' && !config ? (
        <p class="notice" role="alert">
          {failureText(t, load.error)}
        </p>
      ) : !config ? (
        <p class="muted-text">{t('settings.loading')}</p>
      ) : probes.length === 0 ? (
        <p class="empty">{t('settings.probe.empty')}</p>
      ) : (
        <div class="table-scroll">
          <table data-testid="probe-table">
            <caption class="visually-hidden">
              {t('settings.probe.caption', { version: config.version })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('settings.probe.app')}</th>
                <th scope="col">{t('settings.probe.id')}</th>
                <th scope="col">{t('settings.probe.kind')}</th>
                <th scope="col">{t('settings.probe.target')}</th>
                <th scope="col">{t('settings.probe.interval')}</th>
                <th scope="col">{t('settings.probe.timeout')}</th>
                <th scope="col">{t('settings.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {probes.map((p, i) => (
                <tr key={p.id} data-testid="probe-row">
                  <th scope="row">{p.app}</th>
                  <td class="mono">{p.id}</td>
                  <td>{p.kind.toUpperCase()}</td>
                  <td class="mono settings-wrap">{p.target}</td>
                  <td class="num">{t('settings.seconds', { n: p.intervalSec.toLocaleString(lang) })}</td>
                  <td class="num">{formatMs(p.timeoutMs, lang)}</td>
                  <td class="settings-actions">
                    <button
                      type="button"
                      onClick={() => open({ index: i, draft: draftOf(p), original: p })}
                      aria-label={t('settings.editFor', { name: p.app })}
                    >
                      {t('settings.edit')}
                    </button>
                    <ConfirmButton
                      label={t('settings.delete')}
                      subject={p.app}
                      question={t('settings.probe.confirmDelete', { app: p.app })}
                      confirmLabel={t('settings.deleteYes')}
                      onConfirm={() => void remove(i)}
                      testId={`probe-delete-${p.id}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {editing ? (
        <form
          ref={formRef}
          class="settings-form"
          onSubmit={save}
          noValidate
          aria-labelledby="probe-form-title"
          data-testid="probe-form"
        >
          <h3 id="probe-form-title">
            {editing.index === null
              ? t('settings.probe.new')
              : t('settings.probe.editOne', { app: editing.original?.app ?? '' })}
          </h3>
          <div
            role="alert"
            class={formProblem ? 'settings-error' : 'settings-quiet'}
            data-testid="probe-form-error"
          >
            {formProblem}
          </div>
          <div class="settings-grid">
            <Field id={FIELD_IDS.app} label={t('settings.probe.app')} error={errors.app}>
              {input('app', { autocomplete: 'off' })}
            </Field>
            <Field id={FIELD_IDS.id} label={t('settings.probe.id')} error={errors.id}>
              {input('id', { autocomplete: 'off', spellcheck: false })}
            </Field>
            <Field id={FIELD_IDS.kind} label={t('settings.probe.kind')} error={errors.kind}>
              <select
                id={FIELD_IDS.kind}
                value={editing.draft.kind}
                aria-invalid={errors.kind ? true : undefined}
                aria-describedby={describedBy(FIELD_IDS.kind, false, errors.kind)}
                onChange={(e) => set('kind', (e.target as HTMLSelectElement).value)}
                data-testid={FIELD_IDS.kind}
              >
                <option value="http">HTTP(S)</option>
                <option value="tcp">TCP</option>
                <option value="dns">DNS</option>
              </select>
            </Field>
            <Field
              id={FIELD_IDS.target}
              label={t('settings.probe.target')}
              hint={t(
                `settings.probe.targetHint.${editing.draft.kind === 'tcp' ? 'tcp' : editing.draft.kind === 'dns' ? 'dns' : 'http'}`,
              )}
              error={errors.target}
            >
              {input('target', { autocomplete: 'off', spellcheck: false, class: 'settings-wide' })}
            </Field>
            <Field
              id={FIELD_IDS.intervalSec}
              label={t('settings.probe.intervalLabel')}
              error={errors.intervalSec}
            >
              {input('intervalSec', { inputMode: 'numeric' })}
            </Field>
            <Field id={FIELD_IDS.timeoutMs} label={t('settings.probe.timeoutLabel')} error={errors.timeoutMs}>
              {input('timeoutMs', { inputMode: 'numeric' })}
            </Field>
            {editing.draft.kind === 'http' ? (
              <>
                <Field
                  id={FIELD_IDS.expectStatus}
                  label={t('settings.probe.expectStatus')}
                  hint={t('settings.probe.expectStatusHint')}
                  error={errors.expectStatus}
                >
                  {input('expectStatus', { autocomplete: 'off' })}
                </Field>
                <Field
                  id={FIELD_IDS.expectBody}
                  label={t('settings.probe.expectBody')}
                  error={errors.expectBody}
                >
                  {input('expectBody', { autocomplete: 'off' })}
                </Field>
              </>
            ) : null}
          </div>
          <div class="settings-buttons">
            <button type="submit" class="settings-primary" disabled={busy} data-testid="probe-save">
              {t('settings.save')}
            </button>
            <button type="button" onClick={() => void test()} disabled={busy} data-testid="probe-test">
              {t('settings.probe.test')}
            </button>
            <button type="button" onClick={close}>
              {t('settings.cancel')}
            </button>
            {busy ? (
              <span class="muted-text" role="status">
                {t('settings.working')}
              </span>
            ) : null}
          </div>
          {preview ? <PreviewResult preview={preview} /> : null}
        </form>
      ) : (
        <p>
          <button
            type="button"
            ref={addRef}
            class="settings-primary"
            onClick={() => open({ index: null, draft: emptyDraft() })}
            data-testid="probe-add"
          >
            {t('settings.probe.add')}
          </button>
        </p>
      )}
    </Section>
  );
}

const PHASES = [
  ['dnsMs', 'settings.phase.dns'],
  ['connectMs', 'settings.phase.connect'],
  ['tlsMs', 'settings.phase.tls'],
  ['ttfbMs', 'settings.phase.ttfb'],
  ['totalMs', 'settings.phase.total'],
] as const;

/** The test run's answer: success or the error class, the HTTP status and the phase milestones. */
function PreviewResult({ preview }: { preview: ProbePreview }) {
  const [lang, t] = useLang();
  const r = preview.result;
  return (
    <div class="settings-preview" role="status" data-testid="probe-preview">
      <p>
        <strong class={r.ok ? 'badge good' : 'badge bad'} data-testid="probe-preview-outcome">
          {r.ok
            ? t('settings.preview.ok')
            : t('settings.preview.failed', { reason: probeErrorLabel(r.errorClass, lang) })}
        </strong>{' '}
        {t('settings.preview.fromServer', { time: formatTime(preview.ranAt, lang) })}
      </p>
      {r.status !== undefined ? <p>{t('settings.preview.status', { status: r.status })}</p> : null}
      {r.errorMessage ? (
        <p class="muted-text">{t('settings.preview.detail', { detail: r.errorMessage })}</p>
      ) : null}
      <dl class="facts settings-phases">
        {PHASES.map(([key, label]) =>
          r.phases[key] === undefined ? null : (
            <div key={key}>
              <dt>{t(label)}</dt>
              <dd>{formatMs(r.phases[key], lang)}</dd>
            </div>
          ),
        )}
      </dl>
    </div>
  );
}
