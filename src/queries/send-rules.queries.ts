import type { Knex } from 'knex';
import { jsonTextValues, rowsOf } from '../db/dialect';

/** The marketing counters behind the frequency caps (issue 14), and the send-time skips. */

const LOOKUP_CHUNK = 500;

/** Per number, the marketing messages counted on each local day from fromDay to toDay (absent: none). Reads the (phone, day) key. */
export async function sendCountsAmong(db: Knex, phones: readonly string[], fromDay: string, toDay: string): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  if (phones.length === 0) return out;
  const rows = rowsOf<{ phone: string; day: string; count: number }>(
    await db.raw(`select c.phone, c.day, c.count from ${jsonTextValues(db)} join marketing_send_counts c on c.phone = j.value and c.day >= ? and c.day <= ?`, [
      JSON.stringify(phones),
      fromDay,
      toDay,
    ]),
  );
  for (const r of rows) {
    let days = out.get(r.phone);
    if (!days) out.set(r.phone, (days = new Map()));
    days.set(r.day, r.count);
  }
  return out;
}

/** One more marketing message for each number on this local day (each number at most once per call). */
export async function bumpSendCounts(trx: Knex, phones: readonly string[], day: string): Promise<void> {
  for (let i = 0; i < phones.length; i += LOOKUP_CHUNK) {
    const rows = phones.slice(i, i + LOOKUP_CHUNK).map((phone) => ({ phone, day, count: 1 }));
    await trx('marketing_send_counts').insert(rows).onConflict(['phone', 'day']).merge({ count: trx.raw('marketing_send_counts.count + 1') });
  }
}

/** The task's SMS type, for the rules that apply to marketing only. */
export async function taskSmsType(db: Knex, taskId: string): Promise<string | undefined> {
  return (await taskSendState(db, taskId))?.smsType;
}

/** The task's SMS type and quiet-hours pause, read before each batch of a marketing task (the dispatcher). */
export async function taskSendState(db: Knex, taskId: string): Promise<{ smsType: string; quietPausedUntil: string | null } | undefined> {
  const row = (await db('tasks').where({ id: taskId }).first('sms_type', 'quiet_paused_until')) as { sms_type: string; quiet_paused_until: string | null } | undefined;
  return row ? { smsType: row.sms_type, quietPausedUntil: row.quiet_paused_until } : undefined;
}


/**
 * Quiet hours: the task keeps its `sending` state and hands its lease back until the window ends (an expired lease
 * is what makes a sending task claimable again, so the usual takeover rules bring it back then, in this or another
 * process). Stop keeps working meanwhile: nothing is in flight.
 */
export async function pauseForQuietHours(db: Knex, taskId: string, owner: string, untilIso: string): Promise<boolean> {
  const n = await db('tasks').where({ id: taskId, status: 'sending', lease_owner: owner }).update({ quiet_paused_until: untilIso, lease_until: untilIso });
  return n > 0;
}

export async function clearQuietPause(db: Knex, taskId: string): Promise<void> {
  await db('tasks').where({ id: taskId }).whereNotNull('quiet_paused_until').update({ quiet_paused_until: null });
}

/** A draft's refused rows that issue 14's rules refused, by reason (the check page counts them apart). */
export async function countSendRuleRefusals(db: Knex, taskId: string): Promise<{ optedOut: number; capped: number }> {
  const rows = (await db('task_invalid_rows').where({ task_id: taskId }).whereIn('reason', ['opted_out', 'frequency_cap']).groupBy('reason').select('reason').count({ n: '*' })) as { reason: string; n: number }[];
  const of = (reason: string) => Number(rows.find((r) => r.reason === reason)?.n ?? 0);
  return { optedOut: of('opted_out'), capped: of('frequency_cap') };
}
