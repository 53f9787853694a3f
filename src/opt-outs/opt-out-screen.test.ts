import { createDb, migrateLatest, type Db } from '../db/knex';
import { parseAndCheck } from '../imports/import-worker';
import { chunkBuffers, parseChunk, type PackedRecipients } from '../drafts/recipient-chunks';
import { screenDraft } from '../services/send-rules-check.service';
import { addOptOuts } from '../services/opt-outs.service';
import { keySetOfPhones } from './phone-keys';
import { OptOutScreen } from './opt-out-screen';

let db: Db;
beforeEach(async () => {
  db = createDb(':memory:');
  await migrateLatest(db);
});
afterEach(() => db.destroy());

const ctx = { signature: '品牌', templateContent: '{1}，上新了。回T退订' };
const limits = { maxRows: 100_000, maxBytes: 10 * 1024 * 1024 };
const rowsOf = (p: PackedRecipients) => chunkBuffers(p.chunks).flatMap((c) => parseChunk(c));

test('the worker leaves opted-out rows out of the pack, with the same report and recipients as the check where the draft is stored', async () => {
  // 12,000 rows over three chunks, with refused rows of other kinds, a duplicate and a repeated number among them.
  const phones = Array.from({ length: 12_000 }, (_, i) => `139${String(i).padStart(8, '0')}`);
  const lines = ['手机号码,姓名', ...phones.map((p, i) => `${p},客户${i}`), '12345,坏号', `${phones[5]},客户5`, `${phones[7]},另一个`, `${phones[97]},客户97`];
  const file = Buffer.from(lines.join('\n'), 'utf8');
  const listed = phones.filter((_, i) => i % 97 === 0);
  await addOptOuts(db, listed, { reason: '', source: 'import', actor: { userId: null, apiKeyId: null } });

  const screened = await parseAndCheck(file, 'r.csv', limits, ctx, { optOuts: { keys: keySetOfPhones(listed), version: 42 } });
  const plain = await parseAndCheck(file, 'r.csv', limits, ctx);
  if (!screened.ok || !plain.ok) throw new Error('import failed');
  // The database path: no snapshot was loaded for this database.
  const atStore = await screenDraft(db, 'marketing', plain.report, plain.recipients, { timeZone: 'Asia/Shanghai', now: new Date() });

  expect(screened.recipients.optOutsScreened).toEqual({ version: 42, unkeyed: [] });
  expect(screened.report).toEqual(atStore.report);
  expect(screened.report.invalid.filter((r) => r.problem.code === 'opted_out')).toHaveLength(listed.length);
  expect(screened.recipients.count).toBe(atStore.recipients.count);
  expect(screened.recipients.totalChars).toBe(atStore.recipients.totalChars);
  expect(screened.recipients.phones).toBe(atStore.recipients.phones);
  expect(rowsOf(screened.recipients)).toEqual(rowsOf(atStore.recipients));
});

test('a number without a key is kept for the database to look up, never refused by the keys', () => {
  const screen = new OptOutScreen({ keys: keySetOfPhones(['13800138000']), version: 1 });
  const recipient = (rowNumber: number, phone: string) => ({ rowNumber, phone, params: [], message: '【品牌】hi', chars: 8, segments: 1 });
  expect(screen.refuses(recipient(2, '+8613800138000'))).toBe(false);
  expect(screen.refuses(recipient(3, '13800138000'))).toBe(true);
  expect(screen.refuses(recipient(4, '13800138001'))).toBe(false);
  const summary = { rowsRead: 3, invalid: [], duplicatesRemoved: 0, repeatedNumbers: 0, totalMessages: 3, totalSegments: 3, longest: { chars: 8, segments: 1 } };
  const out = screen.finish(summary);
  expect(out.screened).toEqual({ version: 1, unkeyed: ['+8613800138000'] });
  expect(out.summary).toEqual({ ...summary, invalid: [{ rowNumber: 3, value: '13800138000', params: [], problem: { code: 'opted_out' } }], totalMessages: 2, totalSegments: 2 });
});
