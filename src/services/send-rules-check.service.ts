import type { Knex } from 'knex';
import { optedOutAmong } from '../queries/opt-outs.queries';
import { sendCountsAmong } from '../queries/send-rules.queries';
import { parseChunk, CHUNK_ROWS, type CheckSummary, type PackedRecipients, type PackedRow } from '../drafts/recipient-chunks';
import type { InvalidRow } from '../sms/recipient-check';
import { capsActive, daysBefore, localDay, overCap } from '../opt-outs/cap-days';
import { getSettings } from './settings.service';
import { rulesApplyTo } from './send-rules.service';

/**
 * The check's half of issue 14's enforcement: numbers on the opt-out list, and numbers already at a frequency cap,
 * become refused rows with their own reason (counted with the other refused rows) instead of recipients. Applied
 * where every draft is stored (createDraft: the form, the API, resends), on its transaction. Rows pass through
 * untouched (no unpacking) when no rule applies to the SMS type.
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
  const rows: PackedRow[] = recipients.chunks.flatMap((c) => parseChunk(c));
  const phones = rows.map((r) => r[1]);
  const optedOut = await optedOutAmong(trx, phones);
  const caps = rules.frequencyCaps;
  const today = localDay(ctx.now, settings.timeZone);
  const counts = capsActive(caps) ? await sendCountsAmong(trx, phones, daysBefore(today, Math.max(caps.periodDays, 1) - 1), today) : new Map();
  if (optedOut.size === 0 && counts.size === 0) return { report, recipients };
  const kept: PackedRow[] = [];
  const refused: InvalidRow[] = [];
  let refusedSegments = 0;
  for (const row of rows) {
    const phone = row[1];
    if (optedOut.has(phone)) refused.push({ rowNumber: row[0], value: phone, problem: { code: 'opted_out' } });
    else if (overCap(counts.get(phone), today, caps)) refused.push({ rowNumber: row[0], value: phone, problem: { code: 'frequency_cap' } });
    else {
      kept.push(row);
      continue;
    }
    refusedSegments += row[5];
  }
  if (refused.length === 0) return { report, recipients };
  const chunks: Buffer[] = [];
  let totalChars = 0;
  for (let from = 0; from < kept.length; from += CHUNK_ROWS) {
    const part = kept.slice(from, from + CHUNK_ROWS);
    for (const r of part) totalChars += r[4];
    chunks.push(Buffer.from(JSON.stringify(part), 'utf8'));
  }
  return {
    report: {
      ...report,
      invalid: [...report.invalid, ...refused].sort((a, b) => a.rowNumber - b.rowNumber),
      totalMessages: report.totalMessages - refused.length,
      totalSegments: report.totalSegments - refusedSegments,
    },
    recipients: { count: kept.length, totalChars, chunks },
  };
}
