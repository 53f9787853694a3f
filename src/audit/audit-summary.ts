/**
 * A record's before/after summary is what an auditor reads, so it must never carry a secret: callers leave
 * passwords, keys, TOTP secrets and sealed carrier secrets out, and this is the second line of defence at the one
 * entry point. A field whose name says it holds a secret is replaced with HIDDEN; an API key found in any text
 * (`qf_<prefix>_<secret>`) keeps only its prefix. Long texts are cut so one record stays small.
 */
export const HIDDEN = '[hidden]';
const SECRET_NAME = /pass(word)?|secret|token|hash|totp|recovery|otp|sealed|private/i;
const API_KEY_IN_TEXT = /\b(qf_[0-9a-f]{8}_)[A-Za-z0-9_-]{8,}/g;
export const MAX_TEXT = 500;
const MAX_DEPTH = 4;

export type SummaryValue = string | number | boolean | null | SummaryValue[] | { [key: string]: SummaryValue };
export interface AuditSummary {
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

function clean(value: unknown, depth: number): SummaryValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const text = value.replace(API_KEY_IN_TEXT, '$1…');
    return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => clean(v, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, SummaryValue> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      // A yes/no such as passwordChanged tells a fact, never the secret itself.
      out[key] = SECRET_NAME.test(key) && typeof v !== 'boolean' ? HIDDEN : clean(v, depth + 1);
    }
    return out;
  }
  return String(value);
}

/** The summary as stored: scrubbed, or null when it says nothing. */
export function scrubSummary(summary: AuditSummary | undefined): string | null {
  if (!summary) return null;
  const out: Record<string, SummaryValue> = {};
  if (summary.before && Object.keys(summary.before).length > 0) out.before = clean(summary.before, 0);
  if (summary.after && Object.keys(summary.after).length > 0) out.after = clean(summary.after, 0);
  return Object.keys(out).length > 0 ? JSON.stringify(out) : null;
}

/** Only the fields that differ, before and after: a settings save or an account edit records what changed. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): AuditSummary {
  const was: Record<string, unknown> = {};
  const now: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    was[key] = before[key] ?? null;
    now[key] = after[key] ?? null;
  }
  return { before: was, after: now };
}

/** One line per field for the page and the CSV: `role: member → admin`. */
export function summaryLines(stored: string | null): string[] {
  if (!stored) return [];
  let parsed: { before?: Record<string, unknown>; after?: Record<string, unknown> };
  try {
    parsed = JSON.parse(stored);
  } catch {
    return [stored];
  }
  const before = parsed.before ?? {};
  const after = parsed.after ?? {};
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].map((key) => {
    // A field on one side only is context (the name of what changed) or a plain fact: no arrow.
    if (!(key in before)) return `${key}: ${show(after[key])}`;
    if (!(key in after)) return `${key}: ${show(before[key])}`;
    return `${key}: ${show(before[key])} → ${show(after[key])}`;
  });
}
