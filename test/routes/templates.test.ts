import { DEFAULT_UNSUBSCRIBE_PHRASES } from '../../src/services/settings.service';
import {
  addUser,
  fieldError,
  flashText,
  formFields,
  inputValue,
  loginAs,
  makeTestApp,
  postForm,
  selectedOption,
  textareaValue,
  type Agent,
  type TestApp,
} from '../helpers/app';

let t: TestApp;
let admin: Agent;
let ann: Agent;
let bob: Agent;
let adminId: number;
let annId: number;

beforeAll(async () => {
  t = await makeTestApp();
  adminId = await addUser(t.db, 'admin', 'admin');
  annId = await addUser(t.db, 'ann');
  await addUser(t.db, 'bob');
  [admin, ann, bob] = await Promise.all([loginAs(t.app, 'admin'), loginAs(t.app, 'ann'), loginAs(t.app, 'bob')]);
});
afterAll(() => t.close());

const row = (id: number) => t.db('templates').where({ id }).first();

type Form = { name: string; smsType: string; content: string };

async function create(agent: Agent, form: Form): Promise<number> {
  const res = await postForm(agent, '/templates', { ...form }, '/templates/new');
  expect(res.status).toBe(303);
  return Number(/\/templates\/(\d+)$/.exec(res.headers.location)![1]);
}

const notification = (name: string, content = 'Your parcel {1} has shipped.'): Form => ({ name, smsType: 'notification', content });
const review = (agent: Agent, id: number, action: string, body: Record<string, string> = {}) =>
  postForm(agent, `/templates/${id}/${action}`, body, `/templates/${id}`);

describe('creating', () => {
  test('a member creates a template: pending, creator recorded, values stored trimmed', async () => {
    const res = await postForm(ann, '/templates', { name: '  Shipping  ', smsType: 'notification', content: '  Your parcel {1} ships on {2}.  ' }, '/templates/new');
    expect(res.status).toBe(303);
    const id = Number(/\/templates\/(\d+)$/.exec(res.headers.location)![1]);
    expect(await row(id)).toMatchObject({
      name: 'Shipping',
      sms_type: 'notification',
      content: 'Your parcel {1} ships on {2}.',
      status: 'pending',
      created_by: annId,
      review_reason: null,
    });
    const page = await ann.get(`/templates/${id}`);
    expect(flashText(page.text)).toBe('Submitted for review.');
    expect(page.text).toContain('Your parcel {1} ships on {2}.');
    expect(page.text).toContain('Notification');
    expect(page.text).toContain('Pending review');
  });

  test('the form has the live counter hooks and the phrases hint; it works without JS too (a plain form post)', async () => {
    const res = await ann.get('/templates/new');
    expect(res.text).toContain('data-template-counter');
    expect(res.text).toContain('data-max="500"');
    expect(res.text).toContain('data-counter-output');
    expect(res.text).toContain('method="post" action="/templates"');
    expect(res.text).toContain('回T退订 / 退订回T / 回TD退订');
  });

  test.each([
    ['a 32-character name', { name: 'n'.repeat(32), smsType: 'notification', content: 'Hello {1}' }],
    ['a 32-character Chinese name', { name: '模'.repeat(32), smsType: 'notification', content: 'Hello {1}' }],
    ['500 characters of content', { name: 'Long', smsType: 'notification', content: 'c'.repeat(500) }],
    ['a verification template with a variable', { name: 'Code', smsType: 'verification', content: 'Your code is {1}.' }],
    ['a notification template without variables', { name: 'Static', smsType: 'notification', content: 'The office is closed today.' }],
    ['a marketing template ending with a default phrase', { name: 'Sale', smsType: 'marketing', content: 'Big sale this weekend. 回T退订' }],
    ['a marketing template ending with the English phrase', { name: 'SaleEn', smsType: 'marketing', content: 'Big sale {1}. Reply T to unsubscribe' }],
    ['variables used twice and out of order', { name: 'Order', smsType: 'notification', content: '{2} for {1}, again {1}' }],
    ['full-width braces around words (ordinary text)', { name: 'Note', smsType: 'notification', content: '｛备注｝ your order {1}' }],
  ])('accepts %s', async (_name, form) => {
    const id = await create(ann, form);
    expect((await row(id)).content).toBe(form.content);
  });

  const PHRASES = DEFAULT_UNSUBSCRIBE_PHRASES.join(' / ');
  test.each([
    ['name empty', { name: '', smsType: 'notification', content: 'Hello {1}' }, 'name', 'Enter a template name.'],
    ['name 33 characters', { name: 'n'.repeat(33), smsType: 'notification', content: 'Hello {1}' }, 'name', 'Use at most 32 characters.'],
    ['missing SMS type', { name: 'NoType', smsType: '', content: 'Hello {1}' }, 'smsType', 'Choose an SMS type.'],
    ['unknown SMS type', { name: 'BadType', smsType: 'spam', content: 'Hello {1}' }, 'smsType', 'Choose an SMS type.'],
    ['content empty', { name: 'Empty', smsType: 'notification', content: '  ' }, 'content', 'Enter the content.'],
    ['content 501 characters', { name: 'TooLong', smsType: 'notification', content: 'c'.repeat(501) }, 'content', 'Use at most 500 characters.'],
    ['content over 500 with emoji counted as two', { name: 'Emoji', smsType: 'notification', content: '😀'.repeat(250) + 'x' }, 'content', 'Use at most 500 characters.'],
    ['{0}', { name: 'Zero', smsType: 'notification', content: 'Code {0} here' }, 'content', 'Variables are numbered from 1: {0} is not allowed.'],
    ['{1}{3}', { name: 'Gap', smsType: 'notification', content: 'Hi {1}{3}' }, 'content', 'Variables must be numbered without gaps: {2} is missing.'],
    ['{{1}}', { name: 'Double', smsType: 'notification', content: 'Hi {{1}}' }, 'content', '{{1}} is not a variable. Write variables as {1}, {2}, … and use no other braces.'],
    ['{ 1 }', { name: 'Spaced', smsType: 'notification', content: 'Hi { 1 }' }, 'content', '{ 1 } is not a variable. Write variables as {1}, {2}, … and use no other braces.'],
    ['｛1｝', { name: 'Fullwidth', smsType: 'notification', content: 'Hi ｛1｝' }, 'content', 'Use half-width braces for variables: write {1}, not ｛1｝.'],
    ['only variables', { name: 'OnlyVars', smsType: 'notification', content: '{1} {2}' }, 'content', 'A template cannot be made only of variables: add fixed text.'],
    ['verification without a variable', { name: 'NoCode', smsType: 'verification', content: 'Your code is below.' }, 'content', 'A verification-code template needs at least one variable for the code, e.g. {1}.'],
    ['marketing without an unsubscribe phrase', { name: 'Spam', smsType: 'marketing', content: 'Big sale!' }, 'content', `A marketing template must end with an unsubscribe phrase: ${PHRASES}.`],
    ['marketing with the phrase not at the end', { name: 'Spam2', smsType: 'marketing', content: '回T退订 Big sale!' }, 'content', `A marketing template must end with an unsubscribe phrase: ${PHRASES}.`],
  ])('%s: 422 with its own message beside the field, every value kept', async (_name, form, fieldName, message) => {
    const before = await t.db('templates').count({ n: '*' }).first();
    const res = await postForm(ann, '/templates', { ...form }, '/templates/new');
    expect(res.status).toBe(422);
    expect(fieldError(res.text, fieldName)).toBe(message);
    for (const other of ['name', 'smsType', 'content'].filter((f) => f !== fieldName)) expect([other, fieldError(res.text, other)]).toEqual([other, undefined]);
    expect(inputValue(res.text, 'name')).toBe(form.name);
    expect(selectedOption(res.text, 'smsType')).toBe(['verification', 'notification', 'marketing'].includes(form.smsType) ? form.smsType : undefined);
    expect(textareaValue(res.text, 'content')).toBe(form.content);
    expect(await t.db('templates').count({ n: '*' }).first()).toEqual(before);
  });

  test('several wrong fields: a message beside each', async () => {
    const res = await postForm(ann, '/templates', { name: '', smsType: '', content: '' }, '/templates/new');
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'name')).toBe('Enter a template name.');
    expect(fieldError(res.text, 'smsType')).toBe('Choose an SMS type.');
    expect(fieldError(res.text, 'content')).toBe('Enter the content.');
  });

  test('a phrase added in /settings is accepted for marketing templates', async () => {
    const form = { name: 'CustomStop', smsType: 'marketing', content: 'Flash sale {1} 回0拒收' };
    const refused = await postForm(ann, '/templates', form, '/templates/new');
    expect(refused.status).toBe(422);
    expect(fieldError(refused.text, 'content')).toMatch(/must end with an unsubscribe phrase/);

    const current = formFields((await admin.get('/settings')).text, '/settings');
    const saved = await postForm(admin, '/settings', { ...current, unsubscribePhrases: ['回0拒收', ...DEFAULT_UNSUBSCRIBE_PHRASES].join('\n') }, '/settings');
    expect(saved.status).toBe(303);
    const id = await create(ann, form);
    expect((await row(id)).content).toBe('Flash sale {1} 回0拒收');
    expect((await ann.get('/templates/new')).text).toContain('回0拒收 / 回T退订');
  });
});

describe('review and editing', () => {
  test('approve; reject needs a reason; the reason is shown to the member on list and detail', async () => {
    const approved = await create(ann, notification('ToApprove'));
    expect((await review(admin, approved, 'approve')).status).toBe(303);
    expect(await row(approved)).toMatchObject({ status: 'approved', reviewed_by: adminId });
    expect(flashText((await admin.get(`/templates/${approved}`)).text)).toBe('“ToApprove” approved.');

    const rejected = await create(ann, notification('ToReject'));
    const noReason = await review(admin, rejected, 'reject', { reason: '' });
    expect(noReason.status).toBe(422);
    expect(fieldError(noReason.text, 'reason')).toBe('Say why it is rejected: the author sees this reason.');
    expect((await row(rejected)).status).toBe('pending');

    expect((await review(admin, rejected, 'reject', { reason: 'Name the shop in the text' })).status).toBe(303);
    expect(await row(rejected)).toMatchObject({ status: 'rejected', review_reason: 'Name the shop in the text' });
    expect((await ann.get(`/templates/${rejected}`)).text).toContain('<dd class="review-reason">Name the shop in the text</dd>');
    const line = (await ann.get('/templates')).text.split('<tr>').find((r) => r.includes(`/templates/${rejected}"`))!;
    expect(line).toContain('<td class="review-reason">Name the shop in the text</td>');
    expect(line).toContain('Rejected');
  });

  test('the author edits a rejected template: pending again, reason cleared, new values stored', async () => {
    const id = await create(ann, notification('Redo'));
    await review(admin, id, 'reject', { reason: 'Unclear' });
    const form = await ann.get(`/templates/${id}/edit`);
    expect(inputValue(form.text, 'name')).toBe('Redo');
    expect(selectedOption(form.text, 'smsType')).toBe('notification');
    expect(textareaValue(form.text, 'content')).toBe('Your parcel {1} has shipped.');

    const res = await postForm(ann, `/templates/${id}`, { name: 'Redone', smsType: 'verification', content: 'Code {1}, valid 5 minutes.' }, `/templates/${id}/edit`);
    expect(res.status).toBe(303);
    expect(await row(id)).toMatchObject({ name: 'Redone', sms_type: 'verification', content: 'Code {1}, valid 5 minutes.', status: 'pending', review_reason: null, reviewed_by: null });
    expect((await ann.get(`/templates/${id}`)).text).not.toContain('Unclear');
  });

  test('an edit with an error: 422 on the edit form with the typed values, the stored item unchanged', async () => {
    const id = await create(ann, notification('Stable'));
    const res = await postForm(ann, `/templates/${id}`, { name: 'Stable', smsType: 'verification', content: 'No code here' }, `/templates/${id}/edit`);
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'content')).toMatch(/needs at least one variable/);
    expect(selectedOption(res.text, 'smsType')).toBe('verification');
    expect(textareaValue(res.text, 'content')).toBe('No code here');
    expect(res.text).toContain(`action="/templates/${id}"`);
    expect(await row(id)).toMatchObject({ sms_type: 'notification', content: 'Your parcel {1} has shipped.' });
  });

  test('editing an approved template sends it back to pending', async () => {
    const id = await create(ann, notification('Live'));
    await review(admin, id, 'approve');
    expect((await ann.get(`/templates/${id}/edit`)).text).toContain('saving a change sends it back to review');
    expect((await postForm(ann, `/templates/${id}`, notification('Live', 'Your parcel {1} is on its way.'), `/templates/${id}/edit`)).status).toBe(303);
    expect(await row(id)).toMatchObject({ status: 'pending', content: 'Your parcel {1} is on its way.', reviewed_by: null });
  });

  test("a member cannot edit another member's template (403, unchanged)", async () => {
    const id = await create(ann, notification('AnnsOwn'));
    expect((await bob.get(`/templates/${id}/edit`)).status).toBe(403);
    expect((await postForm(bob, `/templates/${id}`, notification('Hijacked'), '/templates')).status).toBe(403);
    expect((await row(id)).name).toBe('AnnsOwn');
  });

  test('disable: no edits (so it cannot be sent back to review), stale actions are reported', async () => {
    const id = await create(ann, notification('Retire'));
    await review(admin, id, 'approve');
    expect((await review(admin, id, 'disable')).status).toBe(303);
    expect((await row(id)).status).toBe('disabled');
    expect((await postForm(ann, `/templates/${id}`, notification('Revive'), '/templates')).status).toBe(403);
    expect(await row(id)).toMatchObject({ status: 'disabled', name: 'Retire' });

    const again = await review(admin, id, 'disable');
    expect(again.status).toBe(303);
    expect(flashText((await admin.get(`/templates/${id}`)).text)).toMatch(/status changed in the meantime/);
  });

  test('a member cannot review (403, unchanged)', async () => {
    const id = await create(ann, notification('SelfApprove'));
    expect((await review(ann, id, 'approve')).status).toBe(403);
    expect((await row(id)).status).toBe('pending');
  });
});

describe('the list', () => {
  test('?smsType= and ?status= filter, alone and together', async () => {
    const v = await create(bob, { name: 'FVerif', smsType: 'verification', content: 'Code {1}' });
    const m = await create(bob, { name: 'FMarket', smsType: 'marketing', content: 'Sale now 回T退订' });
    const n = await create(bob, notification('FNotif'));
    await review(admin, v, 'approve');
    const ids = (html: string) => [...html.matchAll(/href="\/templates\/(\d+)"/g)].map((x) => Number(x[1]));
    const typeOf = async (id: number) => (await row(id)).sms_type;

    const marketing = await bob.get('/templates?smsType=marketing');
    expect(ids(marketing.text)).toContain(m);
    expect(ids(marketing.text)).not.toContain(v);
    expect(ids(marketing.text)).not.toContain(n);
    for (const id of ids(marketing.text)) expect(await typeOf(id)).toBe('marketing');
    expect(marketing.text).toContain('<option value="marketing" selected>');

    const approvedVerification = await bob.get('/templates?smsType=verification&status=approved');
    expect(ids(approvedVerification.text)).toContain(v);
    for (const id of ids(approvedVerification.text)) expect(await row(id)).toMatchObject({ sms_type: 'verification', status: 'approved' });

    const pendingVerification = await bob.get('/templates?smsType=verification&status=pending');
    expect(ids(pendingVerification.text)).not.toContain(v);

    const all = await bob.get('/templates?smsType=nonsense&status=');
    expect(all.status).toBe(200);
    expect(ids(all.text)).toEqual(expect.arrayContaining([v, m, n]));
  });
});
