import { field, hasErrors, type FieldErrors, type Parsed } from './validation';

/** The column is VARCHAR(64). */
export const API_KEY_NAME_MAX = 64;

export function parseApiKeyForm(body: unknown): Parsed<{ name: string }> {
  const errors: FieldErrors = {};
  const name = field(body, 'name').trim();
  if (name === '') errors.name = { key: 'validation.required' };
  else if (name.length > API_KEY_NAME_MAX) errors.name = { key: 'apiKeys.errors.nameLong', params: { max: API_KEY_NAME_MAX } };
  return hasErrors(errors) ? { ok: false, errors } : { ok: true, value: { name } };
}
