import { SMS_TYPES, type SmsType } from '../sms/template';

/** Each SMS type's account, and the account used while that one is down (optional, never the same one). */
export interface Route {
  primary: number;
  fallback: number | null;
}
export type Routes = Record<SmsType, Route>;

export const ROUTED_SMS_TYPES: readonly SmsType[] = SMS_TYPES;

export interface RoutableAccount {
  id: number;
  enabled: boolean;
}

export type RouteProblem = 'primaryRequired' | 'unknownAccount' | 'disabledAccount' | 'sameAsPrimary';

/**
 * The rule for one route, shared by the routing form and CARRIERS_FILE: a disabled account would leave the type
 * with nowhere to send, and a fallback equal to its primary would be no fallback at all.
 */
export function routeProblems(
  primary: number | null,
  fallback: number | null,
  accounts: readonly RoutableAccount[],
): { primary?: RouteProblem; fallback?: RouteProblem } {
  const out: { primary?: RouteProblem; fallback?: RouteProblem } = {};
  const check = (id: number): RouteProblem | undefined => {
    const account = accounts.find((a) => a.id === id);
    if (!account) return 'unknownAccount';
    return account.enabled ? undefined : 'disabledAccount';
  };
  if (primary === null) out.primary = 'primaryRequired';
  else out.primary = check(primary);
  if (fallback !== null) out.fallback = fallback === primary ? 'sameAsPrimary' : check(fallback);
  if (!out.primary) delete out.primary;
  if (!out.fallback) delete out.fallback;
  return out;
}
