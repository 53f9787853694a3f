import type { Knex } from 'knex';
import { optedOutAmong } from '../queries/opt-outs.queries';
import { sendCountsAmong } from '../queries/send-rules.queries';
import { chunkBuffers, parseChunk, CHUNK_ROWS, ReworkedChunks, type CheckSummary, type PackedRecipients } from '../drafts/recipient-chunks';
import { removePackedRows } from '../drafts/packed-removal';
import type { InvalidRow } from '../sms/recipient-check';
import { capsActive, daysBefore, localDay, overCap } from '../opt-outs/cap-days';
import { getSettings } from './settings.service';
import { rulesApplyTo } from './send-rules.service';
import { loadedOptOutSnapshot } from './opt-out-snapshot.service';
import { hasKey, phoneKey, type PhoneKeySet } from '../opt-outs/phone-keys';

/**
 * The check's half of issue 14's enforcement: numbers on the opt-out list, and numbers already at a frequency cap
 * (marketing), become refused rows with their own reason (counted with the other refused rows) instead of
 * recipients. Applied where every draft is stored (createDraft: the form, the API, resends), on its transaction.
 *
 * Speed (a 100,000-row import against a 1,000,000-number list must cost < 10% more): an import's opted-out rows were
 * already left out by its worker (src/opt-outs/opt-out-screen.ts), against the in-memory list
 * (opt-out-snapshot.service.ts); only a change to the list since then, and numbers without a key, are looked at
 * here. Otherwise the numbers come from the pack's own list, not from parsing the chunks, and are looked up in
 * memory (the database for those without a key); only chunks holding a refused row are rewritten, and only the
 * refused rows in them are parsed.
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
  const caps = rules.frequencyCaps;
  const capped = smsType === 'marketing' && capsActive(caps);
  const snapshot = await loadedOptOutSnapshot(trx);
  const screened = recipients.optOutsScreened;
  // Screened in the worker against the list as it still is: only the numbers without a key are left to look up.
  const current = screened !== undefined && snapshot?.version === screened.version;
  if (current && !capped && screened.unkeyed.length === 0) return { report, recipients };
  const phones = recipients.phones !== undefined ? recipients.phones.split('\n') : chunkBuffers(recipients.chunks).flatMap((c) => parseChunk(c).map((row) => row[1]));
  const optedOut = current ? await optedOutAmong(trx, screened.unkeyed) : snapshot ? await listedIn(trx, snapshot.keys, phones) : await optedOutAmong(trx, phones);
  const today = localDay(ctx.now, settings.timeZone);
  const counts = capped ? await sendCountsAmong(trx, phones, daysBefore(today, caps.periodDays - 1), today) : new Map<string, Map<string, number>>();
  const reasons = new Map<string, 'opted_out' | 'frequency_cap'>();
  for (const phone of optedOut) reasons.set(phone, 'opted_out');
  for (const [phone, days] of counts) if (!reasons.has(phone) && overCap(days, today, caps)) reasons.set(phone, 'frequency_cap');
  if (reasons.size === 0) return { report, recipients };

  const drop = new Set(reasons.keys());
  const chunks: (number | Buffer)[] = [];
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
      chunks.push(c);
      chunkRows.push(chunkPhones.length);
      continue;
    }
    const out = removePackedRows(recipients.chunks.at(c)!, chunkPhones, drop);
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
    recipients: { count: keptPhones.length, totalChars: recipients.totalChars - refusedChars, chunks: new ReworkedChunks(recipients.chunks, chunks), chunkRows, phones: keptPhones.join('\n') },
  };
}

/** The numbers on the list, by the in-memory keys; those without a key (never a checked mainland mobile) by the database. */
async function listedIn(trx: Knex, keys: PhoneKeySet, phones: readonly string[]): Promise<Set<string>> {
  const listed = new Set<string>();
  const unkeyed: string[] = [];
  for (const phone of phones) {
    const key = phoneKey(phone);
    if (key === null) unkeyed.push(phone);
    else if (hasKey(keys, key)) listed.add(phone);
  }
  if (unkeyed.length > 0) for (const phone of await optedOutAmong(trx, unkeyed)) listed.add(phone);
  return listed;
}
