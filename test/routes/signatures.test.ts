import {
  addUser,
  fieldError,
  flashText,
  inputValue,
  loginAs,
  makeTestApp,
  postForm,
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

const row = (id: number) => t.db('signatures').where({ id }).first();

/** Creates a signature as `agent` and returns its id. */
async function create(agent: Agent, name: string): Promise<number> {
  const res = await postForm(agent, '/signatures', { name }, '/signatures/new');
  expect(res.status).toBe(303);
  return Number(/\/signatures\/(\d+)$/.exec(res.headers.location)![1]);
}

const review = (agent: Agent, id: number, action: string, body: Record<string, string> = {}) =>
  postForm(agent, `/signatures/${id}/${action}`, body, `/signatures/${id}`);

describe('creating', () => {
  test('a member creates a signature: pending, creator recorded, shown with brackets', async () => {
    const res = await postForm(ann, '/signatures', { name: '  云短信Cloud  ' }, '/signatures/new');
    expect(res.status).toBe(303);
    const id = Number(/\/signatures\/(\d+)$/.exec(res.headers.location)![1]);
    expect(await row(id)).toMatchObject({ name: '云短信Cloud', status: 'pending', created_by: annId, review_reason: null, reviewed_by: null });

    const page = await ann.get(`/signatures/${id}`);
    expect(page.status).toBe(200);
    expect(flashText(page.text)).toBe('Submitted for review.');
    expect(page.text).toContain('【云短信Cloud】');
    expect(page.text).toContain('Pending review');
    expect(page.text).toContain('ann ·');
    expect(page.text).not.toContain('/approve'); // members have no review actions

    const list = await ann.get('/signatures');
    expect(list.text).toContain(`<a href="/signatures/${id}">【云短信Cloud】</a>`);
  });

  test.each([
    ['the shortest (2)', 'AB'],
    ['the longest (12)', '一二三四五六七八九十甲乙'],
    ['full-width letters and digits', 'ＡＢ１２'],
  ])('accepts %s', async (_name, name) => {
    const id = await create(ann, name);
    expect((await row(id)).name).toBe(name);
  });

  test.each([
    ['empty', '', 'Enter the signature.'],
    ['only spaces', '   ', 'Enter the signature.'],
    ['with brackets', '【x】', 'Leave out the brackets: 【】 are added automatically.'],
    ['with square brackets', '[Shop]', 'Leave out the brackets: 【】 are added automatically.'],
    ['with symbols', 'Shop-24!', 'Use only Chinese characters, letters and digits.'],
    ['with a space inside', 'My Shop', 'Use only Chinese characters, letters and digits.'],
    ['with an emoji', 'Shop😀', 'Use only Chinese characters, letters and digits.'],
    ['1 character', '云', 'Use at least 2 characters.'],
    ['13 characters', '一二三四五六七八九十甲乙丙', 'Use at most 12 characters.'],
    ['13 letters', 'ABCDEFGHIJKLM', 'Use at most 12 characters.'],
  ])('%s: 422 with its own message, the typed value kept, nothing stored', async (_name, name, message) => {
    const before = await t.db('signatures').count({ n: '*' }).first();
    const res = await postForm(ann, '/signatures', { name }, '/signatures/new');
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'name')).toBe(message);
    expect(inputValue(res.text, 'name')).toBe(name);
    expect(res.text).toContain('aria-invalid="true"');
    expect(await t.db('signatures').count({ n: '*' }).first()).toEqual(before);
  });

  test('a duplicate name: 422 with its own message', async () => {
    await create(ann, 'Unique');
    const res = await postForm(bob, '/signatures', { name: 'Unique' }, '/signatures/new');
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'name')).toBe('A signature with this name already exists.');
    expect(inputValue(res.text, 'name')).toBe('Unique');
    expect(await t.db('signatures').where({ name: 'Unique' }).count({ n: '*' }).first()).toEqual({ n: 1 });
  });

  test('the form messages come in Chinese for a Chinese user', async () => {
    const res = await postForm(ann, '/signatures', { name: '云' }, '/signatures/new');
    const zh = await ann.post('/signatures').set('Accept-Language', 'zh-CN').type('form').send({ name: '云', _csrf: /name="_csrf" value="([^"]+)"/.exec(res.text)![1] });
    expect(zh.status).toBe(422);
    expect(fieldError(zh.text, 'name')).toMatch(/[\u4e00-\u9fff]/);
    expect(fieldError(zh.text, 'name')).toContain('2');
  });
});

describe('review', () => {
  test('an admin approves: approved, reviewer recorded, the author sees it', async () => {
    const id = await create(ann, 'Approved1');
    const page = await admin.get(`/signatures/${id}`);
    expect(page.text).toContain(`action="/signatures/${id}/approve"`);
    expect(page.text).toContain(`action="/signatures/${id}/reject"`);

    const res = await review(admin, id, 'approve');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/signatures/${id}`);
    expect(await row(id)).toMatchObject({ status: 'approved', reviewed_by: adminId, review_reason: null });
    expect((await row(id)).reviewed_at).toBeTruthy();
    expect(flashText((await admin.get(`/signatures/${id}`)).text)).toBe('“Approved1” approved.');
    const seen = await ann.get(`/signatures/${id}`);
    expect(seen.text).toContain('Approved');
    expect(seen.text).toContain('admin ·');
  });

  test('rejecting without a reason: 422 with the message, still pending', async () => {
    const id = await create(ann, 'NoReason');
    for (const reason of ['', '   ']) {
      const res = await review(admin, id, 'reject', { reason });
      expect(res.status).toBe(422);
      expect(fieldError(res.text, 'reason')).toBe('Say why it is rejected: the author sees this reason.');
    }
    const long = await review(admin, id, 'reject', { reason: 'x'.repeat(201) });
    expect(long.status).toBe(422);
    expect(fieldError(long.text, 'reason')).toBe('Use at most 200 characters.');
    expect(textareaValue(long.text, 'reason')).toBe('x'.repeat(201));
    expect((await row(id)).status).toBe('pending');
  });

  test('rejecting with a reason: the member sees the reason on the list and the detail page', async () => {
    const id = await create(ann, 'Rejected1');
    const res = await review(admin, id, 'reject', { reason: '  Not your brand name  ' });
    expect(res.status).toBe(303);
    expect(await row(id)).toMatchObject({ status: 'rejected', review_reason: 'Not your brand name', reviewed_by: adminId });

    const detail = await ann.get(`/signatures/${id}`);
    expect(detail.text).toContain('Rejected');
    expect(detail.text).toContain('<dd class="review-reason">Not your brand name</dd>');
    const list = await ann.get('/signatures');
    const line = list.text.split('<tr>').find((r) => r.includes(`/signatures/${id}"`))!;
    expect(line).toContain('Rejected');
    expect(line).toContain('<td class="review-reason">Not your brand name</td>');
  });

  test('the author edits a rejected one: pending again, the old verdict cleared', async () => {
    const id = await create(ann, 'Fixable');
    await review(admin, id, 'reject', { reason: 'Too vague' });
    const form = await ann.get(`/signatures/${id}/edit`);
    expect(form.status).toBe(200);
    expect(inputValue(form.text, 'name')).toBe('Fixable');

    const res = await postForm(ann, `/signatures/${id}`, { name: 'Fixed' }, `/signatures/${id}/edit`);
    expect(res.status).toBe(303);
    expect(await row(id)).toMatchObject({ name: 'Fixed', status: 'pending', review_reason: null, reviewed_by: null, reviewed_at: null });
    const detail = await ann.get(`/signatures/${id}`);
    expect(flashText(detail.text)).toBe('Saved and sent back to review.');
    expect(detail.text).not.toContain('Too vague');
  });

  test('editing an approved one warns, then sends it back to pending', async () => {
    const id = await create(ann, 'WasApproved');
    await review(admin, id, 'approve');
    const form = await ann.get(`/signatures/${id}/edit`);
    expect(form.text).toContain('This item is approved: saving a change sends it back to review.');
    const res = await postForm(ann, `/signatures/${id}`, { name: 'NowPending' }, `/signatures/${id}/edit`);
    expect(res.status).toBe(303);
    expect(await row(id)).toMatchObject({ name: 'NowPending', status: 'pending', reviewed_by: null });
  });

  test('an edit keeping its own name is not a duplicate; taking another name is', async () => {
    const id = await create(ann, 'KeepMe');
    await create(ann, 'TakenName');
    expect((await postForm(ann, `/signatures/${id}`, { name: 'KeepMe' }, `/signatures/${id}/edit`)).status).toBe(303);
    const res = await postForm(ann, `/signatures/${id}`, { name: 'TakenName' }, `/signatures/${id}/edit`);
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'name')).toBe('A signature with this name already exists.');
    expect(inputValue(res.text, 'name')).toBe('TakenName');
    expect((await row(id)).name).toBe('KeepMe');
  });

  test("a member cannot edit another member's signature; an admin can", async () => {
    const id = await create(ann, 'AnnOwns');
    expect((await bob.get(`/signatures/${id}`)).status).toBe(200); // everyone can see the catalogue
    expect((await bob.get(`/signatures/${id}`)).text).not.toContain(`/signatures/${id}/edit`);
    expect((await bob.get(`/signatures/${id}/edit`)).status).toBe(403);
    const res = await postForm(bob, `/signatures/${id}`, { name: 'BobTook' }, '/signatures');
    expect(res.status).toBe(403);
    expect((await row(id)).name).toBe('AnnOwns');

    expect((await postForm(admin, `/signatures/${id}`, { name: 'AdminFix' }, `/signatures/${id}/edit`)).status).toBe(303);
    expect(await row(id)).toMatchObject({ name: 'AdminFix', created_by: annId });
  });

  test('a disabled signature cannot be edited back into review; an admin enables it again with "enable", not "approve"', async () => {
    const id = await create(ann, 'ToDisable');
    await review(admin, id, 'approve');
    expect((await review(admin, id, 'disable')).status).toBe(303);
    expect((await row(id)).status).toBe('disabled');
    expect(flashText((await admin.get(`/signatures/${id}`)).text)).toBe('“ToDisable” disabled.');

    expect((await ann.get(`/signatures/${id}/edit`)).status).toBe(403);
    expect((await postForm(ann, `/signatures/${id}`, { name: 'Sneaky' }, '/signatures')).status).toBe(403);
    expect((await postForm(admin, `/signatures/${id}`, { name: 'Sneaky' }, '/signatures')).status).toBe(403);
    expect(await row(id)).toMatchObject({ name: 'ToDisable', status: 'disabled' });

    const page = await admin.get(`/signatures/${id}`);
    expect(page.text).toContain(`action="/signatures/${id}/enable" data-confirm="Enable “ToDisable” again? It can then be used for sending."`);
    expect(page.text).toContain('<button type="submit" class="button-primary">Enable</button>');
    expect(page.text).not.toContain(`action="/signatures/${id}/approve"`);
    expect(page.text).not.toContain(`action="/signatures/${id}/reject"`);
    expect((await ann.get(`/signatures/${id}`)).text).not.toContain('/enable');
    // "approve" is the verdict on a pending item: it no longer revives a disabled one.
    expect((await review(admin, id, 'approve')).status).toBe(303);
    expect((await row(id)).status).toBe('disabled');
    expect((await review(ann, id, 'enable')).status).toBe(403);
    expect((await row(id)).status).toBe('disabled');

    const res = await review(admin, id, 'enable');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/signatures/${id}`);
    expect(await row(id)).toMatchObject({ status: 'approved', reviewed_by: adminId, review_reason: null });
    const after = await admin.get(`/signatures/${id}`);
    expect(flashText(after.text)).toBe('“ToDisable” enabled again.');
    expect(after.text).not.toContain(`action="/signatures/${id}/enable"`);
    // Enabling twice is a stale action, reported, not an error.
    expect((await review(admin, id, 'enable')).status).toBe(303);
    expect(flashText((await admin.get(`/signatures/${id}`)).text)).toMatch(/status changed in the meantime/);
  });

  test('approve and reject ask for confirmation (the server needs no script); the reason box sits beside its button', async () => {
    const id = await create(ann, 'Confirmed');
    const page = await admin.get(`/signatures/${id}`);
    expect(page.text).toContain(`action="/signatures/${id}/approve" data-confirm="Approve “Confirmed”? It can then be used for sending."`);
    expect(page.text).toContain(`action="/signatures/${id}/reject" novalidate class="reject-form" data-confirm="Reject “Confirmed”? Its author sees your reason."`);
    expect(page.text).toMatch(/<div class="reject-row">\s*<textarea id="reason"[^>]*><\/textarea>\s*<button type="submit" class="button-danger">Reject<\/button>\s*<\/div>/);
    const zh = await admin.get(`/signatures/${id}`).set('Accept-Language', 'zh-CN');
    expect(zh.text).toContain('data-confirm="确定审核通过“Confirmed”？通过后即可用于发送。"');
  });

  test('a stale review action (approve twice, reject after approve) gives a clear message, not a 500, and changes nothing', async () => {
    const id = await create(ann, 'Stale');
    const page = await admin.get(`/signatures/${id}`); // the admin's page still offers approve and reject
    expect(page.text).toContain(`/signatures/${id}/reject`);
    expect((await review(admin, id, 'approve')).status).toBe(303);
    const reviewedAt = (await row(id)).reviewed_at;

    for (const [action, body] of [['approve', {}], ['reject', { reason: 'late' }]] as const) {
      const res = await review(admin, id, action, body);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/signatures/${id}`);
      const shown = (await admin.get(res.headers.location)).text;
      expect(shown).toContain('flash-error');
      expect(flashText(shown)).toBe('Its status changed in the meantime; the page now shows the current state.');
      expect(shown).toContain('<span class="badge badge-approved">Approved</span>');
    }
    expect(await row(id)).toMatchObject({ status: 'approved', review_reason: null, reviewed_at: reviewedAt });
  });

  test('unknown signatures are 404', async () => {
    expect((await admin.get('/signatures/99999')).status).toBe(404);
    expect((await admin.get('/signatures/99999/edit')).status).toBe(404);
    expect((await review(admin, 99999, 'approve')).status).toBe(404);
  });
});

describe('the list', () => {
  test('?status= filters; an unknown status shows everything', async () => {
    const pending = await create(bob, 'FilterPend');
    const approved = await create(bob, 'FilterAppr');
    const rejected = await create(bob, 'FilterRej');
    await review(admin, approved, 'approve');
    await review(admin, rejected, 'reject', { reason: 'no' });
    const links = (html: string) => [...html.matchAll(/href="\/signatures\/(\d+)"/g)].map((m) => Number(m[1]));

    const onlyApproved = await bob.get('/signatures?status=approved');
    expect(links(onlyApproved.text)).toContain(approved);
    expect(links(onlyApproved.text)).not.toContain(pending);
    expect(links(onlyApproved.text)).not.toContain(rejected);
    expect(onlyApproved.text).toContain('<option value="approved" selected>');
    for (const id of links(onlyApproved.text)) expect((await row(id)).status).toBe('approved');

    const onlyRejected = await bob.get('/signatures?status=rejected');
    expect(links(onlyRejected.text)).toEqual(expect.arrayContaining([rejected]));
    expect(links(onlyRejected.text)).not.toContain(pending);

    const all = await bob.get('/signatures?status=bogus');
    expect(all.status).toBe(200);
    expect(links(all.text)).toEqual(expect.arrayContaining([pending, approved, rejected]));

    const none = await bob.get('/signatures?status=disabled');
    const disabledCount = await t.db('signatures').where({ status: 'disabled' }).count({ n: '*' }).first();
    expect(links(none.text)).toHaveLength(Number(disabledCount!.n));
  });
});
