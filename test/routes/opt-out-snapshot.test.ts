/**
 * Issue 14's opt-out check as imports run it: against the list in memory (src/services/opt-out-snapshot.service.ts),
 * in the import worker. The snapshot must follow every change of the list to the next import, from this app, from a
 * reply, and from another app on the same database; numbers it cannot hold go to the database.
 */
import type { Express } from 'express';
import * as XLSX from 'xlsx';
import { makeTestApp, addUser, loginAs, type Agent, type TestApp } from '../helpers/app';
import { postSendForm } from '../helpers/send-form';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { addOptOut, addOptOutIn, removeOptOut } from '../../src/services/opt-outs.service';
import { recordInboundMessage } from '../../src/services/inbound-messages.service';
import { loadedOptOutSnapshot, optOutSnapshot } from '../../src/services/opt-out-snapshot.service';
import { screenDraft } from '../../src/services/send-rules-check.service';
import { createDb, type Db } from '../../src/db/knex';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/log';
import { packRecipients } from '../../src/drafts/recipient-chunks';
import request from 'supertest';
import { createApiKey } from '../../src/services/api-keys.service';
import { onPostgres } from '../helpers/test-db';
import { hasKey } from '../../src/opt-outs/phone-keys';

let t: TestApp;
let member: Agent;
let sigId: number;
let promoId: number;
let plainId: number;
// A second app on the same database, as a second process would be.
let otherDb: Db;
let other: Express;
let otherMember: Agent;

const actor = { userId: 1, apiKeyId: null };
const NUMBERS = ['13800138000', '13800138001', '13800138002', '13800138003'];

beforeAll(async () => {
  t = await makeTestApp({ file: true });
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'mia', 'member');
  sigId = await approvedSignature(t.db, '腾讯云');
  promoId = await approvedTemplate(t.db, '{1}，新品上市，全场五折。回T退订', 'marketing', 'promo');
  plainId = await approvedTemplate(t.db, '{1}，您的快递已到。', 'notification', 'plain');
  member = await loginAs(t.app, 'mia');
  otherDb = createDb(t.config.databaseUrl ?? t.config.databaseFile);
  other = createApp({ db: otherDb, config: t.config, logger: createLogger('silent') });
  otherMember = await loginAs(other, 'mia');
});
afterAll(async () => {
  await otherDb.destroy();
  await t.close();
});

/** The numbers as a file with a header row: .csv text, or an .xlsx with the numbers as numeric cells. */
function listFile(numbers: readonly string[], format: 'csv' | 'xlsx'): { buffer: Buffer; name: string } {
  const rows = [['手机号码', '姓名'], ...numbers.map((n, i) => [format === 'xlsx' ? Number(n) : n, `客户${i}`])];
  if (format === 'csv') return { buffer: Buffer.from(rows.map((r) => r.join(',')).join('\n'), 'utf8'), name: 'list.csv' };
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet(rows), 'Sheet1');
  return { buffer: XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer, name: 'list.xlsx' };
}

/** Imports the numbers through the send form (the import worker); the refused rows and the count kept. */
async function importFile(agent: Agent, db: Db, templateId = promoId, numbers = NUMBERS, format: 'csv' | 'xlsx' = 'csv') {
  const fields = { smsType: templateId === promoId ? 'marketing' : 'notification', signatureId: String(sigId), templateId: String(templateId), recipientsMode: 'import', sendMode: 'now' };
  const res = await postSendForm(agent, fields, listFile(numbers, format));
  expect(res.status).toBe(303);
  const taskId = /\/tasks\/([^/]+)\/check/.exec(res.headers.location)![1];
  const refused = (await db('task_invalid_rows').where({ task_id: taskId }).orderBy('row_number').select('value', 'reason')) as { value: string; reason: string }[];
  const task = (await db('tasks').where({ id: taskId }).first('recipient_count')) as { recipient_count: number };
  return { refused: refused.map((r) => `${r.value} ${r.reason}`), kept: task.recipient_count };
}

test('a number added after the snapshot was taken is refused by the next import; once removed it is a recipient again', async () => {
  expect(await importFile(member, t.db)).toEqual({ refused: [], kept: 4 });
  const taken = (await loadedOptOutSnapshot(t.db))!;
  expect(taken).not.toBeNull();
  // The same snapshot inside a transaction (where the draft is stored), not a second one.
  expect((await t.db.transaction((trx) => loadedOptOutSnapshot(trx)))?.version).toBe(taken.version);

  await addOptOut(t.db, { phone: NUMBERS[1], reason: 'asked by phone', source: 'manual', actor });
  expect(await importFile(member, t.db)).toEqual({ refused: [`${NUMBERS[1]} opted_out`], kept: 3 });
  expect(await importFile(member, t.db, promoId, NUMBERS, 'xlsx')).toEqual({ refused: [`${NUMBERS[1]} opted_out`], kept: 3 });
  expect((await loadedOptOutSnapshot(t.db))!.version).not.toBe(taken.version);

  await removeOptOut(t.db, { phone: NUMBERS[1], reason: 'asked again', source: 'manual', actor });
  expect(await importFile(member, t.db)).toEqual({ refused: [], kept: 4 });
  // A notification is exempt (the default): nothing is refused, whatever the list holds.
  await addOptOut(t.db, { phone: NUMBERS[0], reason: '', source: 'manual', actor });
  expect(await importFile(member, t.db, plainId)).toEqual({ refused: [], kept: 4 });
  await removeOptOut(t.db, { phone: NUMBERS[0], reason: '', source: 'manual', actor });
});

test('an opt-out by reply is seen by the next import', async () => {
  await importFile(member, t.db);
  await recordInboundMessage(t.db, { accountId: null, phone: `+86${NUMBERS[2]}`, text: 'ｔ ', receivedAt: new Date().toISOString() });
  expect(await importFile(member, t.db)).toEqual({ refused: [`${NUMBERS[2]} opted_out`], kept: 3 });
  await removeOptOut(t.db, { phone: NUMBERS[2], reason: '', source: 'manual', actor });
});

test('two apps on one database: a change made through one is seen by the other one’s next import', async () => {
  expect(await importFile(otherMember, otherDb)).toEqual({ refused: [], kept: 4 });
  expect(await importFile(member, t.db)).toEqual({ refused: [], kept: 4 });

  await addOptOut(t.db, { phone: NUMBERS[3], reason: '', source: 'manual', actor });
  expect(await importFile(otherMember, otherDb)).toEqual({ refused: [`${NUMBERS[3]} opted_out`], kept: 3 });

  await removeOptOut(otherDb, { phone: NUMBERS[3], reason: '', source: 'manual', actor });
  await addOptOut(otherDb, { phone: NUMBERS[0], reason: '', source: 'manual', actor });
  expect(await importFile(member, t.db)).toEqual({ refused: [`${NUMBERS[0]} opted_out`], kept: 3 });
  expect(await importFile(otherMember, otherDb)).toEqual({ refused: [`${NUMBERS[0]} opted_out`], kept: 3 });
  await removeOptOut(t.db, { phone: NUMBERS[0], reason: '', source: 'manual', actor });
});

test('the API: a number added after the snapshot was taken is a refused row of the next task', async () => {
  const { key } = await createApiKey(t.db, { name: 'snapshot', createdBy: 1 });
  const create = () =>
    request(t.app)
      .post('/api/v1/tasks')
      .set('Authorization', `Bearer ${key}`)
      .send({ signature: sigId, template: promoId, recipients: NUMBERS.map((phone) => ({ phone, params: ['客户'] })) });
  const first = await create();
  expect([first.status, first.body.report?.invalid]).toEqual([201, []]);
  expect(await loadedOptOutSnapshot(t.db)).not.toBeNull();
  await addOptOut(t.db, { phone: NUMBERS[3], reason: '', source: 'manual', actor });
  const second = await create();
  expect(second.status).toBe(201);
  expect(second.body.report.invalid).toEqual([expect.objectContaining({ row: 4, value: NUMBERS[3], reason: 'opted_out' })]);
  expect(second.body.task.recipient_count).toBe(3);
  await removeOptOut(t.db, { phone: NUMBERS[3], reason: '', source: 'manual', actor });
});

// PostgreSQL gives an id at insert: a change can become visible after one with a higher id was read.
(onPostgres() ? test : test.skip)('PostgreSQL: a change that commits after a later one was read is still seen', async () => {
  const [early, late] = ['13700137000', '13700137001'];
  await optOutSnapshot(t.db);
  // The first change takes its id, and commits only after a second change (a higher id) was committed and read.
  const slow = await t.db.transaction();
  try {
    await addOptOutIn(slow, { phone: early, reason: '', source: 'manual', actor });
    await addOptOut(t.db, { phone: late, reason: '', source: 'manual', actor });
    const [earlyId, lateId] = await Promise.all([early, late].map(async (phone) => (await t.db('opt_out_history').where({ phone }).max({ id: 'id' }).first())?.id as number | null));
    expect([earlyId, lateId !== null]).toEqual([null, true]);
    const before = (await optOutSnapshot(t.db))!.keys;
    expect([hasKey(before, Number(early)), hasKey(before, Number(late))]).toEqual([false, true]);
    await slow.commit();
  } catch (err) {
    await slow.rollback();
    throw err;
  }
  const ids = (await t.db('opt_out_history').whereIn('phone', [early, late]).orderBy('phone').pluck('id')) as number[];
  expect(Number(ids[0])).toBeLessThan(Number(ids[1]));
  const after = (await optOutSnapshot(t.db))!.keys;
  expect([hasKey(after, Number(early)), hasKey(after, Number(late))]).toEqual([true, true]);
  for (const phone of [early, late]) await removeOptOut(t.db, { phone, reason: '', source: 'manual', actor });
});

test('a number changed while an import ran is still caught where the draft is stored', async () => {
  const snapshot = (await optOutSnapshot(t.db))!;
  const valid = NUMBERS.map((phone, i) => ({ rowNumber: i + 2, phone, params: [], message: '【腾讯云】上新了', chars: 8, segments: 1 }));
  const summary = { rowsRead: 4, invalid: [], duplicatesRemoved: 0, repeatedNumbers: 0, totalMessages: 4, totalSegments: 4, longest: { chars: 8, segments: 1 } };
  // Screened by a worker against this version, with nothing refused; then the list changes.
  const packed = { ...packRecipients(valid), optOutsScreened: { version: snapshot.version, unkeyed: [] } };
  await addOptOut(t.db, { phone: NUMBERS[2], reason: '', source: 'manual', actor });
  const out = await t.db.transaction((trx) => screenDraft(trx, 'marketing', summary, packed, { timeZone: 'Asia/Shanghai', now: new Date() }));
  expect(out.report.invalid.map((r) => `${r.value} ${r.problem.code}`)).toEqual([`${NUMBERS[2]} opted_out`]);
  expect(out.recipients.count).toBe(3);
  await removeOptOut(t.db, { phone: NUMBERS[2], reason: '', source: 'manual', actor });
});

test('fallback: a number the snapshot cannot hold is looked up in the database, screened in a worker or not', async () => {
  const odd = '+8613800138009';
  await addOptOut(t.db, { phone: odd, reason: '', source: 'api', actor });
  const snapshot = (await optOutSnapshot(t.db))!;
  const valid = [odd, NUMBERS[0]].map((phone, i) => ({ rowNumber: i + 2, phone, params: [], message: '【腾讯云】上新了', chars: 8, segments: 1 }));
  const summary = { rowsRead: 2, invalid: [], duplicatesRemoved: 0, repeatedNumbers: 0, totalMessages: 2, totalSegments: 2, longest: { chars: 8, segments: 1 } };
  const ctx = { timeZone: 'Asia/Shanghai', now: new Date() };
  for (const packed of [packRecipients(valid), { ...packRecipients(valid), optOutsScreened: { version: snapshot.version, unkeyed: [odd] } }]) {
    const out = await t.db.transaction((trx) => screenDraft(trx, 'marketing', summary, packed, ctx));
    expect(out.report.invalid.map((r) => `${r.rowNumber} ${r.value} ${r.problem.code}`)).toEqual([`2 ${odd} opted_out`]);
    expect(out.recipients.phones).toBe(NUMBERS[0]);
  }
  await removeOptOut(t.db, { phone: odd, reason: '', source: 'manual', actor });
});

test('fallback: before the snapshot is loaded, the check reads the database', async () => {
  const fresh = await makeTestApp();
  try {
    await addOptOut(fresh.db, { phone: NUMBERS[0], reason: '', source: 'manual', actor: { userId: null, apiKeyId: null } });
    expect(await loadedOptOutSnapshot(fresh.db)).toBeNull();
    const valid = NUMBERS.map((phone, i) => ({ rowNumber: i + 2, phone, params: [], message: '【腾讯云】上新了', chars: 8, segments: 1 }));
    const summary = { rowsRead: 4, invalid: [], duplicatesRemoved: 0, repeatedNumbers: 0, totalMessages: 4, totalSegments: 4, longest: { chars: 8, segments: 1 } };
    const out = await fresh.db.transaction((trx) => screenDraft(trx, 'marketing', summary, packRecipients(valid), { timeZone: 'Asia/Shanghai', now: new Date() }));
    expect(out.report.invalid.map((r) => `${r.value} ${r.problem.code}`)).toEqual([`${NUMBERS[0]} opted_out`]);
    expect(await loadedOptOutSnapshot(fresh.db)).toBeNull();
  } finally {
    await fresh.close();
  }
});
