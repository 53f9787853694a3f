import { createDb, migrateLatest, type Db } from '../db/knex';
import { checkRecipients } from '../sms/recipient-check';
import { chunkBuffers, packRecipients, parseChunk, type PackedRecipients } from '../drafts/recipient-chunks';
import { screenDraft } from './send-rules-check.service';
import { addOptOuts } from './opt-outs.service';

let db: Db;
beforeEach(async () => {
  db = createDb(':memory:');
  await migrateLatest(db);
});
afterEach(() => db.destroy());

const numbers = (n: number) => Array.from({ length: n }, (_, i) => `139${String(i).padStart(8, '0')}`);
const rowsOf = (p: PackedRecipients) => chunkBuffers(p.chunks).flatMap((c) => parseChunk(c));
const now = new Date('2026-12-05T03:00:00Z');

test('12,000 rows over three chunks: every 97th on the list is refused, the rest kept in order with their totals; a second pass on the result works', async () => {
  const all = numbers(12_000);
  const report = checkRecipients(all.map((p, i) => ({ rowNumber: i + 2, cells: [p] })), { signature: '品牌', templateContent: '上新了。回T退订' });
  const { valid, ...summary } = report;
  const packed = packRecipients(valid);
  expect(packed.chunks).toHaveLength(3);
  const listed = all.filter((_, i) => i % 97 === 0);
  await addOptOuts(db, listed, { reason: '', source: 'import', actor: { userId: null, apiKeyId: null } });

  const first = await screenDraft(db, 'marketing', summary, packed, { timeZone: 'Asia/Shanghai', now });
  expect(first.recipients.count).toBe(12_000 - listed.length);
  expect(rowsOf(first.recipients).map((r) => r[1])).toEqual(all.filter((p) => !listed.includes(p)));
  expect(first.recipients.phones!.split('\n')).toEqual(all.filter((p) => !listed.includes(p)));
  expect(first.recipients.totalChars).toBe(rowsOf(first.recipients).reduce((a, r) => a + r[4], 0));
  expect(first.report.invalid.map((r) => [r.rowNumber, r.value, r.problem.code])).toEqual(listed.map((p) => [all.indexOf(p) + 2, p, 'opted_out']));
  expect(first.report.totalSegments).toBe(summary.totalSegments - listed.length);

  // More numbers opt out; the chunks are no longer 5,000 rows each.
  const later = all.filter((_, i) => i % 97 === 1);
  await addOptOuts(db, later, { reason: '', source: 'import', actor: { userId: null, apiKeyId: null } });
  const second = await screenDraft(db, 'marketing', first.report, first.recipients, { timeZone: 'Asia/Shanghai', now });
  const kept = all.filter((p) => !listed.includes(p) && !later.includes(p));
  expect(rowsOf(second.recipients).map((r) => r[1])).toEqual(kept);
  expect(second.report.invalid).toHaveLength(listed.length + later.length);
});

test('nothing on the list: the same pack comes back untouched; notification is exempt by default', async () => {
  const report = checkRecipients(numbers(10).map((p, i) => ({ rowNumber: i + 1, cells: [p] })), { signature: '品牌', templateContent: '上新了。回T退订' });
  const { valid, ...summary } = report;
  const packed = packRecipients(valid);
  expect((await screenDraft(db, 'marketing', summary, packed, { timeZone: 'Asia/Shanghai', now })).recipients).toBe(packed);
  await addOptOuts(db, numbers(10), { reason: '', source: 'import', actor: { userId: null, apiKeyId: null } });
  expect((await screenDraft(db, 'notification', summary, packed, { timeZone: 'Asia/Shanghai', now })).recipients).toBe(packed);
});
