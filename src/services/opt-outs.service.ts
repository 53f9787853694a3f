import type { Knex } from 'knex';
import { recordAudit, SYSTEM_CONTEXT, type AuditContext } from './audit.service';
import { deleteOptOut, insertOptOut, insertOptOutChange, insertOptOutsBulk, type OptOutActor, type OptOutSource } from '../queries/opt-outs.queries';

/**
 * Changes to the opt-out list (issue 14). Each one writes the list and its history row in one transaction, so the
 * history never misses a change. The audit log's records are written in the same transaction: one per number by
 * `recordOptOutChange` below, which every single change goes through, and one per import (with its counts).
 */

export interface OptOutWrite {
  phone: string;
  reason: string;
  source: OptOutSource;
  actor: OptOutActor;
  inboundMessageId?: number | null;
  /** Who, for the audit log: the person (auditContext), the API key, or the system for a reply (the default). */
  by?: AuditContext;
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
 * The audit log gets one record for the import with its counts (the history keeps a row per number): a
 * 100,000-number file would otherwise bury every other record.
 */
export async function addOptOuts(db: Knex, phones: readonly string[], base: Omit<OptOutWrite, 'phone'>): Promise<{ added: number; already: number }> {
  const unique = [...new Set(phones)];
  return db.transaction(async (trx) => {
    const added = await insertOptOutsBulk(trx, unique, { source: base.source, reason: base.reason, actor: base.actor, at: new Date().toISOString() });
    await recordAudit(trx, {
      ...(base.by ?? SYSTEM_CONTEXT),
      action: 'opt_out.added',
      object: { type: 'opt_out', id: null },
      summary: { after: { source: base.source, reason: base.reason, numbers: unique.length, added: added.length, already: unique.length - added.length } },
    });
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
  const { by, ...change } = write;
  await insertOptOutChange(trx, { ...change, action, at });
  await recordAudit(trx, {
    ...(by ?? SYSTEM_CONTEXT),
    action: action === 'add' ? 'opt_out.added' : 'opt_out.removed',
    object: { type: 'opt_out', id: write.phone },
    summary: { after: { source: write.source, reason: write.reason, ...(write.inboundMessageId ? { inboundMessageId: write.inboundMessageId } : {}) } },
  });
}
