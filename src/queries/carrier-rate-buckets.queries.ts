import type { Knex } from 'knex';
import { dbClockIso, largerOf, rowsOf, secondsBetween, smallerOf } from '../db/dialect';

/**
 * Takes `count` tokens from a carrier's bucket, refilled at `perSecond` on the database's clock and holding at most
 * `burst` (issue 13): one statement, atomic on both engines, so every instance sending through the carrier shares
 * one rate. The tokens are taken even when there are not enough: the bucket goes into debt, and the answer is how
 * long the caller waits before sending (0: at once), so callers at once are served one after another, never twice
 * from the same tokens. A new bucket starts full.
 */
export async function takeTokens(db: Knex, bucket: string, count: number, perSecond: number, burst: number): Promise<number> {
  const bucketTokens = 'carrier_rate_buckets.tokens';
  const elapsed = largerOf(db, '0', secondsBetween(db, 'carrier_rate_buckets.refilled_at', 'excluded.refilled_at'));
  const rows = rowsOf<{ tokens: number }>(
    await db.raw(
      `insert into carrier_rate_buckets (bucket, tokens, refilled_at) values (?, ?, ?)
       on conflict (bucket) do update set tokens = ${smallerOf(db, '?', `${bucketTokens} + ? * ${elapsed}`)} - ?, refilled_at = excluded.refilled_at
       returning tokens`,
      [bucket, burst - count, dbClockIso(db), burst, perSecond, count],
    ),
  );
  const tokens = Number(rows[0].tokens);
  return tokens < 0 ? (-tokens / perSecond) * 1000 : 0;
}
