/**
 * The one list of audit actions (issue 14). Each is `<object>.<what happened>`; the /audit page offers them as its
 * action filter and shows each with its label from the catalogues (`audit.actions.<name>`). README.md describes
 * them. A name is part of the stored record, so once released a name is never renamed, only added to.
 */
export const AUDIT_ACTIONS = [
  'auth.login_succeeded',
  'auth.login_failed',
  'user.created',
  'user.role_changed',
  'user.password_reset',
  // A user's own change on /account/password (with the current password); password_reset is an admin's.
  'user.password_changed',
  'user.disabled',
  'user.enabled',
  'user.twofa_enrolled',
  'user.twofa_reset',
  'user.twofa_recovery_codes_renewed',
  // A wrong, replayed or throttled code when renewing recovery codes; at sign-in it is an auth.login_failed.
  'user.twofa_code_failed',
  'signature.created',
  'signature.edited',
  'signature.approved',
  'signature.rejected',
  'signature.disabled',
  'signature.enabled',
  'template.created',
  'template.edited',
  'template.approved',
  'template.rejected',
  'template.disabled',
  'template.enabled',
  'setting.changed',
  'carrier.created',
  'carrier.edited',
  'carrier.enabled',
  'carrier.disabled',
  'carrier.deleted',
  'carrier.routes_changed',
  'carrier.file_applied',
  'api_key.created',
  'api_key.revoked',
  'task.confirmed',
  'task.cancelled',
  'task.stopped',
  'task.resent',
  'export.task_messages',
  'export.invalid_rows',
  'export.audit',
  'export.opt_outs',
  'opt_out.added',
  'opt_out.removed',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === 'string' && (AUDIT_ACTIONS as readonly string[]).includes(value);
}

/** What a record can be about; the /audit page filters by these. */
export const AUDIT_OBJECT_TYPES = ['user', 'signature', 'template', 'settings', 'carrier_account', 'carrier_routes', 'api_key', 'task', 'audit', 'opt_out'] as const;

export type AuditObjectType = (typeof AUDIT_OBJECT_TYPES)[number];

export function isAuditObjectType(value: unknown): value is AuditObjectType {
  return typeof value === 'string' && (AUDIT_OBJECT_TYPES as readonly string[]).includes(value);
}

/** Who can act: a signed-in user, an API key, or Qunfa itself (CARRIERS_FILE at start, scripts). */
export const AUDIT_ACTOR_KINDS = ['user', 'api_key', 'system'] as const;

export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number];
