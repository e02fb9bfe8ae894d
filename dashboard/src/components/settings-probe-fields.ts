import type { ProbeConfig } from '@lagebild/shared';

/** The probe fields the settings form edits (jitter and IP version are kept as they are). */
export const PROBE_FIELDS = [
  'app',
  'id',
  'kind',
  'target',
  'intervalSec',
  'timeoutMs',
  'expectStatus',
  'expectBody',
] as const;
export type ProbeField = (typeof PROBE_FIELDS)[number];

/** The form's text for one probe: what the user typed, before the server judges it. */
export interface ProbeDraft {
  id: string;
  app: string;
  kind: string;
  target: string;
  intervalSec: string;
  timeoutMs: string;
  /** status codes separated by commas or spaces; empty = any 2xx or 3xx */
  expectStatus: string;
  /** empty = no text expected */
  expectBody: string;
}

export function emptyDraft(): ProbeDraft {
  return {
    id: '',
    app: '',
    kind: 'http',
    target: '',
    intervalSec: '60',
    timeoutMs: '5000',
    expectStatus: '',
    expectBody: '',
  };
}

export function draftOf(p: ProbeConfig): ProbeDraft {
  return {
    id: p.id,
    app: p.app,
    kind: p.kind,
    target: p.target,
    intervalSec: String(p.intervalSec),
    timeoutMs: String(p.timeoutMs),
    expectStatus: p.expectStatus?.join(', ') ?? '',
    expectBody: p.expectBody ?? '',
  };
}

/** A number when the text is one; otherwise the text itself, so the server names the problem. */
function numberOrText(text: string): number | string {
  const s = text.trim();
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
}

/**
 * The probe as the server is asked to take it. Nothing is checked here: the server's validation is the
 * one rule book, and its answer is mapped back onto the fields (`problemFields`). Fields the form does
 * not show (jitter, IP version) come from `original`.
 */
export function probeOf(draft: ProbeDraft, original?: ProbeConfig): Record<string, unknown> {
  const probe: Record<string, unknown> = {
    id: draft.id.trim(),
    app: draft.app.trim(),
    kind: draft.kind,
    target: draft.target.trim(),
    intervalSec: numberOrText(draft.intervalSec),
    timeoutMs: numberOrText(draft.timeoutMs),
  };
  const statuses = draft.expectStatus.split(/[\s,;]+/).filter((s) => s !== '');
  if (statuses.length > 0) probe.expectStatus = statuses.map(numberOrText);
  if (draft.expectBody !== '') probe.expectBody = draft.expectBody;
  if (original?.jitter !== undefined) probe.jitter = original.jitter;
  if (original?.ipVersion !== undefined) probe.ipVersion = original.ipVersion;
  return probe;
}

/** Which fields a server validation message blames. */
export interface FieldProblems {
  fields: ProbeField[];
  /** the id is used by another probe */
  duplicateId: boolean;
  /** problems that are not about this probe's fields (shown as a general error) */
  other: string[];
}

const isField = (name: string): name is ProbeField => (PROBE_FIELDS as readonly string[]).includes(name);

/**
 * Reads the server's validation message (`body.probes[2].intervalSec must be >= 5; …` from PUT
 * /config/probes, or `body.intervalSec …` from the preview) into the fields of the probe at `index`
 * (null: the preview's single probe).
 */
export function problemFields(message: string, index: number | null): FieldProblems {
  const fields = new Set<ProbeField>();
  const other: string[] = [];
  let duplicateId = false;
  for (const part of message.split(/;\s*/)) {
    if (/used more than once/.test(part)) {
      duplicateId = true;
      continue;
    }
    const m = /body(?:\.probes\[(\d+)\])?(?:\.(\w+))?/.exec(part);
    const mine = m !== null && (index === null ? m[1] === undefined : Number(m[1]) === index);
    const name = m?.[2] ?? /required propert(?:y|ies) (\w+)/.exec(part)?.[1];
    if (mine && name !== undefined && isField(name)) fields.add(name);
    else if (part.trim() !== '') other.push(part.trim());
  }
  if (duplicateId) fields.add('id');
  return { fields: PROBE_FIELDS.filter((f) => fields.has(f)), duplicateId, other };
}
