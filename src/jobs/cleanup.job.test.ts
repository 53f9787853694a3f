import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { runCleanup, APPLIED_RECEIPT_KEEP_MS, IDEMPOTENCY_WINDOW_MS } from './cleanup.job';
import { runDraftExpiry } from './draft-expiry.job';
import { phones } from '../../test/helpers/tasks';
import { approvedSignature, approvedTemplate } from '../../test/helpers/catalogue';
import { createDraft } from '../services/drafts.service';
import { checkRecipients } from '../sms/recipient-check';
import { findSignature, findTemplate } from '../queries/catalogue.queries';
import { findUserById } from '../queries/users.queries';
import { packRecipients } from '../drafts/recipient-chunks';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterEach(() => t.close());

test('cleanup removes expired sessions, old login and code failures and idempotent answers older than the window', async () => {
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  await t.db('sessions').insert([{ sid: 'old', sess: '{}', expired: iso(now - 1000) }, { sid: 'live', sess: '{}', expired: iso(now + 60_000) }]);
  await t.db('login_attempts').insert([{ username: 'a', ip: '1', created_at: iso(now - 16 * 60_000) }, { username: 'a', ip: '1', created_at: iso(now - 60_000) }]);
  await t.db('two_factor_attempts').insert([{ user_id: 1, ip: '1', created_at: iso(now - 16 * 60_000) }, { user_id: 1, ip: '1', created_at: iso(now - 60_000) }]);
  const [key] = await t.db('api_keys').insert({ name: 'k', prefix: 'p', key_hash: 'h', created_by: 1, created_at: iso(now) }).returning('id');
  const keyId = typeof key === 'object' ? key.id : key;
  await t.db('api_idempotency').insert([
    { api_key_id: keyId, idem_key: 'old', status: 201, body: '{}', created_at: iso(now - IDEMPOTENCY_WINDOW_MS - 1000) },
    { api_key_id: keyId, idem_key: 'new', status: 201, body: '{}', created_at: iso(now - 1000) },
  ]);
  expect(await runCleanup(t.db, now)).toEqual({ sessions: 1, loginAttempts: 1, codeAttempts: 1, idempotentAnswers: 1, appliedReceipts: 0 });
  expect(await t.db('sessions').pluck('sid')).toEqual(['live']);
  expect(await t.db('api_idempotency').pluck('idem_key')).toEqual(['new']);
});

test('SMPP receipts applied more than a week ago are removed; newer ones and those not applied yet stay', async () => {
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const accountId = (await t.db('carrier_accounts').first('id')).id;
  const row = (id: string, appliedAt: string | null) => ({ account_id: accountId, carrier_message_id: id, outcome: 'delivered', code: 'DELIVRD', description: 'delivered', received_at: iso(now - 30 * 86_400_000), applied_at: appliedAt });
  await t.db('carrier_receipt_inbox').insert([row('old', iso(now - APPLIED_RECEIPT_KEEP_MS - 1000)), row('recent', iso(now - 1000)), row('waiting', null)]);
  expect((await runCleanup(t.db, now)).appliedReceipts).toBe(1);
  expect(await t.db('carrier_receipt_inbox').orderBy('carrier_message_id').pluck('carrier_message_id')).toEqual(['recent', 'waiting']);
});

test('drafts older than 24 h are deleted with their rows; confirmed tasks and fresh drafts stay', async () => {
  const user = (await findUserById(t.db, 1))!;
  const signature = (await findSignature(t.db, await approvedSignature(t.db, '测试')))!;
  const template = (await findTemplate(t.db, await approvedTemplate(t.db, '您好，测试。')))!;
  const report = checkRecipients([...phones(3), '12800138000'].map((p, i) => ({ rowNumber: i + 1, cells: [p] })), { signature: signature.name, templateContent: template.content });
  const make = () =>
    createDraft(t.db, {
      user, signature, template, sendMode: 'now', sendAt: null, source: 'manual', fileName: null, formState: {}, timeZone: 'Asia/Shanghai',
      report, recipients: packRecipients(report.valid),
    });
  const oldDraft = await make();
  const freshDraft = await make();
  await t.db('tasks').where({ id: oldDraft }).update({ expires_at: new Date(Date.now() - 1000).toISOString() });
  expect(await runDraftExpiry(t.db)).toBe(1);
  expect(await t.db('tasks').pluck('id')).toEqual([freshDraft]);
  expect(await t.db('draft_recipients').distinct('task_id').pluck('task_id')).toEqual([freshDraft]);
  expect(Number((await t.db('task_invalid_rows').where({ task_id: oldDraft }).count({ n: '*' }))[0].n)).toBe(0);
});
