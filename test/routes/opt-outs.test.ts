import request from 'supertest';
import { addUser, fieldError, flashText, inputValue, loginAs, makeTestApp, postForm, tokenFor, type Agent, type TestApp } from '../helpers/app';

let t: TestApp;
let admin: Agent;
let member: Agent;
let memberId: number;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  memberId = await addUser(t.db, 'mia', 'member');
  [admin, member] = await Promise.all([loginAs(t.app, 'admin'), loginAs(t.app, 'mia')]);
});
afterAll(() => t.close());

const listed = async () => (await t.db('opt_outs').orderBy('phone').select('phone', 'source', 'reason', 'created_by')) as { phone: string; source: string; reason: string; created_by: number | null }[];
const history = async (phone: string) => t.db('opt_out_history').where({ phone }).orderBy('id').select('action', 'source', 'reason', 'user_id');

async function upload(agent: Agent, file: { buffer: Buffer; name: string } | null, importReason: string) {
  const _csrf = await tokenFor(agent, '/opt-outs');
  let req = agent.post('/opt-outs/import').field('_csrf', _csrf).field('importReason', importReason);
  if (file) req = req.attach('file', file.buffer, file.name);
  return req;
}

describe('/opt-outs', () => {
  test('a member adds a number with a reason: listed, source manual, the change in the history', async () => {
    const res = await postForm(member, '/opt-outs', { phone: '+86 138 0013 8000', reason: 'called the hotline' });
    expect(res.status).toBe(303);
    const page = await member.get(res.headers.location);
    expect(flashText(page.text)).toBe('13800138000 is on the opt-out list.');
    expect(page.text).toContain('data-opt-out="13800138000"');
    expect((await listed()).find((r) => r.phone === '13800138000')).toEqual({ phone: '13800138000', source: 'manual', reason: 'called the hotline', created_by: memberId });
    expect(await history('13800138000')).toEqual([{ action: 'add', source: 'manual', reason: 'called the hotline', user_id: memberId }]);
  });

  test('adding it again changes nothing and says so', async () => {
    const res = await postForm(member, '/opt-outs', { phone: '13800138000', reason: 'again' });
    expect(flashText((await member.get(res.headers.location)).text)).toBe('13800138000 was already on the opt-out list.');
    expect(await history('13800138000')).toHaveLength(1);
  });

  test.each([
    [{ phone: '12345', reason: 'x' }, 'phone', 'Not a mainland mobile number.'],
    [{ phone: '', reason: 'x' }, 'phone', 'This field is required.'],
    [{ phone: '13900139000', reason: ' ' }, 'reason', 'This field is required.'],
    [{ phone: '13900139000', reason: 'x'.repeat(201) }, 'reason', 'At most 200 characters.'],
  ])('a bad add %j: 422 with the field message, what was typed kept', async (body, fieldName, message) => {
    const res = await postForm(member, '/opt-outs', body);
    expect(res.status).toBe(422);
    expect(fieldError(res.text, fieldName)).toBe(message);
    expect(inputValue(res.text, 'phone')).toBe(body.phone);
    expect((await listed()).map((r) => r.phone)).not.toContain('13900139000');
  });

  test('search by a number’s first digits', async () => {
    await postForm(member, '/opt-outs', { phone: '13900139000', reason: 'r' });
    const res = await member.get('/opt-outs?q=1390');
    expect(res.text).toContain('data-opt-out="13900139000"');
    expect(res.text).not.toContain('data-opt-out="13800138000"');
    expect((await member.get('/opt-outs?q=1370')).text).toContain('No number on the list starts with 1370.');
  });

  test('members cannot remove; admins remove with a reason, recorded', async () => {
    expect((await postForm(member, '/opt-outs/13900139000/remove', { reason: 'mistake' }, '/opt-outs')).status).toBe(403);
    expect((await member.get('/opt-outs')).text).not.toContain('/remove"');
    const noReason = await postForm(admin, '/opt-outs/13900139000/remove', { reason: '' }, '/opt-outs');
    expect(noReason.status).toBe(422);
    expect(fieldError(noReason.text, 'removeReason')).toBe('This field is required.');
    const res = await postForm(admin, '/opt-outs/13900139000/remove', { reason: 'added by mistake' }, '/opt-outs');
    expect(res.status).toBe(303);
    expect((await listed()).map((r) => r.phone)).not.toContain('13900139000');
    const changes = await history('13900139000');
    expect(changes[changes.length - 1]).toEqual({ action: 'remove', source: 'manual', reason: 'added by mistake', user_id: 1 });
    const page = await admin.get('/opt-outs?q=13900139000');
    expect(page.text).toContain('Changes for 13900139000');
    expect(page.text).toContain('added by mistake');
    expect((await postForm(admin, '/opt-outs/13900139000/remove', { reason: 'again' }, '/opt-outs')).status).toBe(303);
    expect(await history('13900139000')).toHaveLength(changes.length);
  });

  test('import: the send form’s parser and check; valid numbers added with source import, invalid rows counted', async () => {
    const csv = Buffer.from('phone\n13700137000\n13700137001\n12345\n13800138000\n13700137000\n', 'utf8');
    const res = await upload(member, { buffer: csv, name: 'list.csv' }, 'campaign complaints');
    expect(res.status).toBe(303);
    expect(flashText((await member.get('/opt-outs')).text)).toBe('Imported: 2 added, 1 already on the list, 1 row refused.');
    const rows = await listed();
    expect(rows.filter((r) => r.source === 'import').map((r) => r.phone)).toEqual(['13700137000', '13700137001']);
    expect(await history('13700137001')).toEqual([{ action: 'add', source: 'import', reason: 'campaign complaints', user_id: memberId }]);
  });

  test.each([
    ['a malformed workbook', { buffer: Buffer.from('PK\u0003\u0004 not really a zip'), name: 'list.xlsx' }, 'reason', 'file'],
    ['no file', null, 'reason', 'file'],
    ['no reason', { buffer: Buffer.from('13600136000\n'), name: 'a.csv' }, '', 'importReason'],
    ['no valid number', { buffer: Buffer.from('123\n456\n'), name: 'a.csv' }, 'reason', 'file'],
  ])('import, %s: 422 with a message on its field, nothing added', async (_name, file, reason, fieldName) => {
    const before = await listed();
    const res = await upload(member, file, reason);
    expect(res.status).toBe(422);
    expect(fieldError(res.text, fieldName)).toBeTruthy();
    expect(await listed()).toEqual(before);
  });

  test('export: the whole list as CSV with BOM, formula-safe', async () => {
    await postForm(admin, '/opt-outs', { phone: '13500135000', reason: '=HYPERLINK("x")' });
    const res = await member.get('/opt-outs/export.csv').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const text = res.body as string;
    expect(text.startsWith('\uFEFFNumber,Source,Reason,Added by,Added at\r\n')).toBe(true);
    const lines = text.trim().split('\r\n');
    expect(lines.length).toBe(1 + (await listed()).length);
    expect(lines.find((l) => l.startsWith('13500135000'))).toContain(`"'=HYPERLINK(""x"")"`);
  });

  test('signed out: sent to the login page', async () => {
    const res = await request(t.app).get('/opt-outs');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/login/);
  });
});
