import type { Knex } from 'knex';
import { optedOutAmong } from '../queries/opt-outs.queries';
import { sendCountsAmong } from '../queries/send-rules.queries';
import { parseChunk, CHUNK_ROWS, type CheckSummary, type PackedRecipients } from '../drafts/recipient-chunks';
import { removePackedRows } from '../drafts/packed-removal';
import type { InvalidRow } from '../sms/recipient-check';
import { capsActive, daysBefore, localDay, overCap } from '../opt-outs/cap-days';
import { getSettings } from './settings.service';
import { rulesApplyTo } from './send-rules.service';

/**
 * The check's half of issue 14's enforcement: numbers on the opt-out list, and numbers already at a frequency cap
 * (marketing), become refused rows with their own reason (counted with the other refused rows) instead of
 * recipients. Applied where every draft is stored (createDraft: the form, the API, resends), on its transaction.
 *
 * Speed (a 100,000-row import against a 1,000,000-number list must cost < 10% more): the numbers come from the pack's
 * own list, not from parsing the chunks; the list is read in one statement; only chunks holding a refused row are
 * rewritten, and only the refused rows in them are parsed.
 */
export async function screenDraft(
  trx: Knex,
  smsType: string,
  report: CheckSummary,
  recipients: PackedRecipients,
  ctx: { timeZone: string; now: Date },
): Promise<{ report: CheckSummary; recipients: PackedRecipients }> {
  const settings = await getSettings(trx, { timeZone: ctx.timeZone });
  const rules = settings.sendRules;
  if (!rulesApplyTo(smsType, rules) || recipients.count === 0) return { report, recipients };
  const phones = recipients.phones !== undefined ? recipients.phones.split('\n') : recipients.chunks.flatMap((c) => parseChunk(c).map((row) => row[1]));
  const optedOut = await optedOutAmong(trx, phones);
  const caps = rules.frequencyCaps;
  const today = localDay(ctx.now, settings.timeZone);
  const counts = smsType === 'marketing' && capsActive(caps) ? await sendCountsAmong(trx, phones, daysBefore(today, caps.periodDays - 1), today) : new Map<string, Map<string, number>>();
  const reasons = new Map<string, 'opted_out' | 'frequency_cap'>();
  for (const phone of optedOut) reasons.set(phone, 'opted_out');
  for (const [phone, days] of counts) if (!reasons.has(phone) && overCap(days, today, caps)) reasons.set(phone, 'frequency_cap');
  if (reasons.size === 0) return { report, recipients };

  const drop = new Set(reasons.keys());
  const chunks: Buffer[] = [];
  const chunkRows: number[] = [];
  const refused: InvalidRow[] = [];
  let refusedChars = 0;
  let refusedSegments = 0;
  let first = 0;
  for (let c = 0; c < recipients.chunks.length; c += 1) {
    const size = recipients.chunkRows?.[c] ?? CHUNK_ROWS;
    const chunkPhones = phones.slice(first, first + size);
    first += size;
    if (!chunkPhones.some((p) => drop.has(p))) {
      chunks.push(recipients.chunks[c]);
      chunkRows.push(chunkPhones.length);
      continue;
    }
    const out = removePackedRows(recipients.chunks[c], chunkPhones, drop);
    if (out.chunk) {
      chunks.push(out.chunk);
      chunkRows.push(chunkPhones.length - out.removed.length);
    }
    for (const row of out.removed) {
      refused.push({ rowNumber: row[0], value: row[1], params: row[2], problem: { code: reasons.get(row[1])! } });
      refusedChars += row[4];
      refusedSegments += row[5];
    }
  }
  const keptPhones = phones.filter((p) => !drop.has(p));
  return {
    report: {
      ...report,
      invalid: [...report.invalid, ...refused].sort((a, b) => a.rowNumber - b.rowNumber),
      totalMessages: report.totalMessages - refused.length,
      totalSegments: report.totalSegments - refusedSegments,
    },
    recipients: { count: keptPhones.length, totalChars: recipients.totalChars - refusedChars, chunks, chunkRows, phones: keptPhones.join('\n') },
  };
}
