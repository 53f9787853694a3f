import type { Params } from '../i18n/i18n';

/** A field message as a catalogue key, translated when the form is rendered. */
export interface FieldError {
  key: string;
  params?: Params;
  /**
   * Numbers the message counts (rows, numbers, limits), shown grouped in the reader's language ("100,000"). Kept
   * apart from `params` because the language is known only where the message is rendered, and because only counts
   * are grouped: ids, phone numbers, years and ports in `params` are shown as they are.
   */
  counts?: Record<string, number>;
}

export type FieldErrors = Record<string, FieldError>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/** Form bodies may carry arrays or objects when a field name is repeated; a form field is read as one string. */
export function field(body: unknown, name: string): string {
  if (!body || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}
