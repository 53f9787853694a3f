import type { Knex } from 'knex';
import type { Routes } from '../carrier/carrier-route.rules';
import type { SmsType } from '../sms/template';

export interface RouteRow {
  smsType: SmsType;
  primaryAccountId: number;
  primaryName: string;
  fallbackAccountId: number | null;
  fallbackName: string | null;
}

function baseSelect(db: Knex) {
  return db('carrier_routes as r')
    .join('carrier_accounts as p', 'p.id', 'r.primary_account_id')
    .leftJoin('carrier_accounts as f', 'f.id', 'r.fallback_account_id')
    .select('r.sms_type', 'r.primary_account_id', 'p.name as primary_name', 'r.fallback_account_id', 'f.name as fallback_name');
}

const toRoute = (r: Record<string, unknown>): RouteRow => ({
  smsType: r.sms_type as SmsType,
  primaryAccountId: r.primary_account_id as number,
  primaryName: r.primary_name as string,
  fallbackAccountId: (r.fallback_account_id as number) ?? null,
  fallbackName: (r.fallback_name as string) ?? null,
});

export async function listRoutes(db: Knex): Promise<RouteRow[]> {
  return (await baseSelect(db)).map(toRoute);
}

export async function findRoute(db: Knex, smsType: string): Promise<RouteRow | undefined> {
  const row = await baseSelect(db).where('r.sms_type', smsType).first();
  return row ? toRoute(row) : undefined;
}

/** Every type's route at once (the caller's transaction makes it all or nothing). */
export async function saveRoutes(db: Knex, routes: Routes): Promise<void> {
  const now = new Date().toISOString();
  for (const [smsType, route] of Object.entries(routes)) {
    await db('carrier_routes')
      .insert({ sms_type: smsType, primary_account_id: route.primary, fallback_account_id: route.fallback, updated_at: now })
      .onConflict('sms_type')
      .merge();
  }
}

/** The SMS types whose route names this account, as primary or as fallback. */
export async function routesUsingAccount(db: Knex, id: number): Promise<{ smsType: SmsType; as: 'primary' | 'fallback' }[]> {
  const rows = await db('carrier_routes').where('primary_account_id', id).orWhere('fallback_account_id', id).select('sms_type', 'primary_account_id');
  return rows.map((r: Record<string, unknown>) => ({ smsType: r.sms_type as SmsType, as: r.primary_account_id === id ? 'primary' : 'fallback' }));
}

/** Whether any SMS type is routed (as primary or fallback) to an enabled account that is not the simulator. */
export async function realAccountRouted(db: Knex): Promise<boolean> {
  const row = await db('carrier_routes as r')
    .join('carrier_accounts as a', (j) => j.on('a.id', '=', 'r.primary_account_id').orOn('a.id', '=', 'r.fallback_account_id'))
    .where('a.enabled', true)
    .whereNot('a.kind', 'stub')
    .first('a.id');
  return row !== undefined;
}
