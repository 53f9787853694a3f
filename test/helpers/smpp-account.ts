import type { Db } from '../../src/db/knex';
import { checkSmppSettings, type SmppSettings } from '../../src/carrier/carrier-account.fields';
import { createAccount, saveRouting } from '../../src/services/carriers.service';

/**
 * An SMPP carrier account on the test SMSC at `port` (system_id qunfa, the password given), every field at its
 * default unless `settings` says otherwise; `route` makes it the account (and `fallback` the fallback) of all three
 * SMS types.
 */
export async function addSmppAccount(
  db: Db,
  secretKey: Buffer,
  port: number,
  options: { name?: string; password?: string; settings?: Partial<SmppSettings>; route?: boolean; fallback?: number | null } = {},
): Promise<number> {
  const { settings } = checkSmppSettings({ host: '127.0.0.1', port, system_id: 'qunfa', ...options.settings }, 'json');
  const saved = await createAccount(db, secretKey, { name: options.name ?? 'smsc1', kind: 'smpp', settings, password: options.password ?? 'secret' });
  if (!saved.ok) throw new Error(`account not created: ${JSON.stringify(saved.errors)}`);
  if (options.route ?? true) await routeAll(db, saved.id, options.fallback ?? null);
  return saved.id;
}

export async function routeAll(db: Db, primary: number, fallback: number | null = null): Promise<void> {
  const route = { primary, fallback };
  const saved = await saveRouting(db, { verification: route, notification: route, marketing: route });
  if (!saved.ok) throw new Error(`routes not saved: ${JSON.stringify(saved.errors)}`);
}
