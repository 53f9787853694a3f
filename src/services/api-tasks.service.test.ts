import { addUser, makeTestApp, type TestApp } from '../../test/helpers/app';
import { approvedSignature, approvedTemplate } from '../../test/helpers/catalogue';
import { findSignature, findTemplate } from '../queries/catalogue.queries';
import { findUserById } from '../queries/users.queries';
import { checkRecipients } from '../sms/recipient-check';
import { packRecipients } from '../drafts/recipient-chunks';
import { ConfirmRefused, createConfirmedTask, refusalField, resolveApiCatalogue } from './api-tasks.service';

let t: TestApp;
let sigId: number;
let tplId: number;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  sigId = await approvedSignature(t.db, '12306');
  tplId = await approvedTemplate(t.db, '您的验证码是{1}。', 'verification', 'code');
});
afterAll(() => t.close());

test('a name made of digits is a name, a number is an id', async () => {
  const byName = await resolveApiCatalogue(t.db, { signature: { name: '12306' }, template: { name: 'code' }, smsType: null });
  expect(byName.ok && [byName.signature.id, byName.template.id]).toEqual([sigId, tplId]);
  const byId = await resolveApiCatalogue(t.db, { signature: { id: sigId }, template: { id: tplId }, smsType: 'verification' });
  expect(byId.ok).toBe(true);
  const wrong = await resolveApiCatalogue(t.db, { signature: { id: 12306 }, template: { id: tplId }, smsType: 'marketing' });
  expect(wrong.ok ? null : wrong.errors).toEqual({ signature: { key: 'tasks.errors.signature' }, template: { key: 'tasks.errors.templateType' } });
});

test('a confirm refused because the catalogue changed after the check leaves no draft behind', async () => {
  const signature = (await findSignature(t.db, sigId))!;
  const template = (await findTemplate(t.db, tplId))!;
  const { valid, ...report } = checkRecipients([{ rowNumber: 1, cells: ['13800138000', '1234'] }], { signature: signature.name, templateContent: template.content });
  await t.db('templates').where({ id: tplId }).update({ status: 'disabled' });
  try {
    const user = (await findUserById(t.db, 1))!;
    const attempt = t.db.transaction((trx) => createConfirmedTask(trx, { user, signature, template, sendAt: null, report, recipients: packRecipients(valid), timeZone: 'Asia/Shanghai' }));
    const err = await attempt.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfirmRefused);
    expect(refusalField((err as ConfirmRefused).refusal)).toBe('template');
    expect(await t.db('tasks').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await t.db('messages').count({ n: '*' })).toEqual([{ n: 0 }]);
  } finally {
    await t.db('templates').where({ id: tplId }).update({ status: 'approved' });
  }
});
