import { loginAs, tokenFor, unescapeHtml } from '../helpers/app';
import { postSendForm, sendFormApp, type SendFormApp } from '../helpers/send-form';

let s: SendFormApp;

beforeAll(async () => {
  s = await sendFormApp();
});
afterAll(() => s.t.close());

const form = (extra: Record<string, string> = {}) => ({
  smsType: 'notification',
  signatureId: String(s.sigId),
  templateId: String(s.plainId),
  recipientsMode: 'manual',
  manualNumbers: '13800138000',
  sendMode: 'now',
  ...extra,
});

async function checkedDraft(fields: Record<string, string>, file?: { buffer: Buffer; name: string }): Promise<string> {
  const res = await postSendForm(s.member, fields, file);
  expect(res.status).toBe(303);
  return /\/tasks\/([^/]+)\/check$/.exec(res.headers.location as string)![1];
}

describe('"Back to edit" from the check of an imported file', () => {
  test('the check page says the file will be chosen again, and the form names the file to choose again', async () => {
    const name = 'two-vars.csv';
    const buffer = Buffer.from('phone,name,order\n13800138000,王,A1\n', 'utf8');
    const id = await checkedDraft(form({ templateId: String(s.twoVarsId), recipientsMode: 'import', manualNumbers: '' }), { buffer, name });
    const check = await s.member.get(`/tasks/${id}/check`);
    expect(check.text).toContain('data-back-file-again');
    expect(check.text).toContain('Back to edit keeps every choice but the file');
    const back = await s.member.get(`/tasks/new?from=${id}`);
    expect(back.status).toBe(200);
    expect(unescapeHtml(back.text)).toContain('Back from the check of “two-vars.csv”');
    expect(back.text).toContain('data-file-again');
    const zh = await s.member.get(`/tasks/new?from=${id}`).set('Accept-Language', 'zh-CN');
    expect(zh.text).toContain('请重新选择文件');
  });

  test('numbers typed by hand come back as they were, with no word about a file', async () => {
    const id = await checkedDraft(form({ manualNumbers: '13800138000\n13900139000' }));
    expect((await s.member.get(`/tasks/${id}/check`)).text).not.toContain('data-back-file-again');
    const back = await s.member.get(`/tasks/new?from=${id}`);
    expect(back.text).toContain('13800138000\n13900139000');
    expect(back.text).not.toContain('data-file-again');
  });
});

describe('manual numbers refused for a template with variables', () => {
  test('the refusal is shown above the recipient panels, not inside the hidden manual panel', async () => {
    const res = await postSendForm(s.member, form({ templateId: String(s.twoVarsId) }));
    expect(res.status).toBe(422);
    const message = 'This template has variables: import a file with their values instead.';
    expect(res.text).toContain(message);
    const manualPanel = /<div class="tab-panel" data-panel="manual">[\s\S]*?<\/div>/.exec(res.text)![0];
    expect(manualPanel).not.toContain(message);
    const refusal = /<p class="field-error" id="manualNumbers-error" role="alert" data-manual-refused>([^<]*)<\/p>/.exec(res.text);
    expect(refusal?.[1]).toBe(message);
    // Above both panels, inside the recipients fieldset.
    expect(res.text.indexOf('data-manual-refused')).toBeLessThan(res.text.indexOf('data-panel="import"'));
  });

  test('other manual refusals stay beside the box', async () => {
    const res = await postSendForm(s.member, form({ manualNumbers: '' }));
    expect(res.status).toBe(422);
    const manualPanel = /<div class="tab-panel" data-panel="manual">[\s\S]*?<\/div>/.exec(res.text)![0];
    expect(manualPanel).toContain('id="manualNumbers-error"');
    expect(res.text).not.toContain('data-manual-refused');
  });
});

describe('unconfirmed drafts on /tasks', () => {
  test("a user's own drafts are listed with their expiry and a link to their check; others' never are, admins' view included", async () => {
    await s.t.db('tasks').where('status', 'draft').del();
    const mine = await checkedDraft(form({ manualNumbers: '13800138000\n13800138001' }));
    const list = await s.member.get('/tasks');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Your unconfirmed checks');
    const row = new RegExp(`<tr data-draft="${mine}">([\\s\\S]*?)</tr>`).exec(list.text)![1];
    expect(row).toContain(`href="/tasks/${mine}/check"`);
    expect(row).toContain('plain');
    const draft = await s.t.db('tasks').where({ id: mine }).first('expires_at');
    const expires = /<td class="nowrap" data-expires>([^<]*)<\/td>/.exec(row)![1];
    // Shown in the display zone (Asia/Shanghai, UTC+8).
    expect(expires).toBe(new Date(Date.parse(draft.expires_at) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' '));

    const admin = await loginAs(s.t.app, 'admin');
    const adminList = await admin.get('/tasks');
    expect(adminList.text).not.toContain(`data-draft="${mine}"`);
    expect(adminList.text).not.toContain('data-drafts');
  });

  test('a confirmed draft, or one past its expiry, is no longer listed', async () => {
    await s.t.db('tasks').where('status', 'draft').del();
    const confirmed = await checkedDraft(form());
    const expired = await checkedDraft(form());
    await s.t.db('tasks').where({ id: expired }).update({ expires_at: new Date(Date.now() - 1000).toISOString() });
    const _csrf = await tokenFor(s.member, `/tasks/${confirmed}/check`);
    expect((await s.member.post(`/tasks/${confirmed}/confirm`).type('form').send({ _csrf })).status).toBe(303);
    const list = await s.member.get('/tasks');
    expect(list.text).not.toContain('data-drafts');
  });
});

describe('task ids are given at confirm', () => {
  const confirm = async (draft: string) => {
    const _csrf = await tokenFor(s.member, `/tasks/${draft}/check`);
    const res = await s.member.post(`/tasks/${draft}/confirm`).type('form').send({ _csrf });
    expect(res.status).toBe(303);
    return (res.headers.location as string).split('/')[2];
  };

  test('checks use up no id: ids follow the order of the confirms, with no gap for a check never confirmed', async () => {
    const before = (await s.t.db('tasks').whereNot('status', 'draft').pluck('id')) as string[];
    const first = await checkedDraft(form());
    const abandoned = await checkedDraft(form());
    const second = await checkedDraft(form());
    for (const draft of [first, abandoned, second]) expect(draft).toMatch(/^D[0-9a-f]{12}$/);
    // The check page names no task id.
    expect((await s.member.get(`/tasks/${first}/check`)).text).toMatch(/<h1>Check recipients<\/h1>/);
    const idOfSecond = await confirm(second);
    const idOfFirst = await confirm(first);
    expect(idOfSecond).toMatch(/^T\d{10}$/);
    const seq = (id: string) => Number(id.slice(7));
    const last = Math.max(0, ...before.filter((id) => id.slice(0, 7) === idOfSecond.slice(0, 7)).map(seq));
    expect([seq(idOfSecond), seq(idOfFirst)]).toEqual([last + 1, last + 2]);
    expect(await s.t.db('tasks').where({ id: abandoned }).first('status')).toEqual({ status: 'draft' });
  });

  test("the draft's recipients and invalid rows move to the task id; the draft's old links lead to the task", async () => {
    const draft = await checkedDraft(form({ manualNumbers: '13800138000\n12800138000' }));
    expect(await s.t.db('task_invalid_rows').where({ task_id: draft }).count({ n: '*' })).toEqual([{ n: 1 }]);
    const id = await confirm(draft);
    expect(await s.t.db('messages').where({ task_id: id }).pluck('phone')).toEqual(['13800138000']);
    expect(await s.t.db('task_invalid_rows').where({ task_id: id }).count({ n: '*' })).toEqual([{ n: 1 }]);
    expect(await s.t.db('tasks').where({ id: draft }).first()).toBeUndefined();
    const oldCheck = await s.member.get(`/tasks/${draft}/check`);
    expect([oldCheck.status, oldCheck.headers.location]).toEqual([303, `/tasks/${id}/check`]);
    const oldPage = await s.member.get(`/tasks/${draft}`);
    expect([oldPage.status, oldPage.headers.location]).toEqual([303, `/tasks/${id}`]);
    expect((await s.member.get(`/tasks/${id}/invalid-rows.csv`)).text).toContain('12800138000');
    // The confirmed task's check report shows its id.
    expect((await s.member.get(`/tasks/${id}/check`)).text).toContain(`<small class="muted">${id}</small>`);
  });
});
