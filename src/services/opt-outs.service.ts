import type { Knex } from 'knex';
import { deleteOptOut, insertOptOut, insertOptOutChange, insertOptOutsBulk, type OptOutActor, type OptOutSource } from '../queries/opt-outs.queries';

/**
 * Changes to the opt-out list (issue 14). Each one writes the list and its history row in one transaction, so the
 * history never misses a change. Audit: the one call site for recordAudit (issue 14's audit log) is
 * `recordOptOutChange` below, which every change goes through.
 */

export interface OptOutWrite {
  phone: string;
  reason: string;
  source: OptOutSource;
  actor: OptOutActor;
  inboundMessageId?: number | null;
}

/** Adds one number inside the caller's transaction; false when it was already on the list (no history row then). */
export async function addOptOutIn(trx: Knex, write: OptOutWrite, at = new Date().toISOString()): Promise<boolean> {
  const added = await insertOptOut(trx, { ...write, at });
  if (added) await recordOptOutChange(trx, 'add', write, at);
  return added;
}

export async function addOptOut(db: Knex, write: OptOutWrite): Promise<boolean> {
  return db.transaction((trx) => addOptOutIn(trx, write));
}

/**
 * Adds many (an import), all or nothing: returns how many were added and how many were on the list already.
 * Audit: one record for the import as a whole belongs here (the history has a row per number).
 */
export async function addOptOuts(db: Knex, phones: readonly string[], base: Omit<OptOutWrite, 'phone'>): Promise<{ added: number; already: number }> {
  const unique = [...new Set(phones)];
  return db.transaction(async (trx) => {
    const added = await insertOptOutsBulk(trx, unique, { source: base.source, reason: base.reason, actor: base.actor, at: new Date().toISOString() });
    return { added: added.length, already: unique.length - added.length };
  });
}

/** Removes one number; false when it was not on the list. */
export async function removeOptOut(db: Knex, write: OptOutWrite): Promise<boolean> {
  return db.transaction(async (trx) => {
    const removed = await deleteOptOut(trx, write.phone);
    if (removed) await recordOptOutChange(trx, 'remove', write, new Date().toISOString());
    return removed;
  });
}

async function recordOptOutChange(trx: Knex, action: 'add' | 'remove', write: OptOutWrite, at: string): Promise<void> {
  await insertOptOutChange(trx, { ...write, action, at });
}
