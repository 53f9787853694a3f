import { parseId } from './users.validators';
import { field, hasErrors, type FieldErrors, type Parsed } from './validation';

export const PROVIDER_REF_MAX = 128;

export interface MappingInput {
  accountId: number;
  /** Empty: remove the mapping. */
  providerRef: string;
  /** Alibaba's variable names for {1}, {2}… (comma-separated on the form); null when none are given. */
  paramNames: string[] | null;
}

/** One account's row of the mapping form: its provider template id/code (or signature text) and variable names. */
export function parseMappingForm(body: unknown, cloudAccountIds: readonly number[]): Parsed<MappingInput> {
  const errors: FieldErrors = {};
  const accountId = parseId(field(body, 'account_id'));
  if (accountId === null || !cloudAccountIds.includes(accountId)) errors.form = { key: 'mappings.errors.account' };
  const providerRef = field(body, 'provider_ref').trim();
  // eslint-disable-next-line no-control-regex
  if (providerRef.length > PROVIDER_REF_MAX) errors.provider_ref = { key: 'carriers.errors.tooLong', params: { max: PROVIDER_REF_MAX } };
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u001f\u007f]/.test(providerRef)) errors.provider_ref = { key: 'carriers.errors.badCharacters' };
  const namesText = field(body, 'param_names').trim();
  const paramNames = namesText === '' ? null : namesText.split(/[,，\s]+/).filter(Boolean);
  if (paramNames && (paramNames.length > 20 || paramNames.some((n) => !/^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(n)))) errors.param_names = { key: 'mappings.errors.paramNames' };
  if (hasErrors(errors)) return { ok: false, errors };
  return { ok: true, value: { accountId: accountId!, providerRef, paramNames } };
}
