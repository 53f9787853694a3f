/**
 * The template editor counts like the send form: /templates/fit renders the count with the longest approved
 * signature and warns when it cannot be sent; approval refuses (422, with the reason) a template that is too
 * long even with the shortest approved signature.
 */
import { addUser, flashText, loginAs, makeTestApp, postForm, unescapeHtml, type Agent, type TestApp } from '../helpers/app';
import { approvedSignature } from '../helpers/catalogue';
import { insertCatalogueItem } from '../../src/queries/catalogue.queries';

let t: TestApp;
let admin: Agent;
let memberId: number;

beforeAll(async () => {
  t = await makeTestApp();
  const adminId = await addUser(t.db, 'admin', 'admin');
  memberId = await addUser(t.db, 'ann');
  admin = await loginAs(t.app, 'admin');
  await approvedSignature(t.db, '阿里', adminId);
  await approvedSignature(t.db, '腾讯云', adminId);
});
afterAll(() => t.close());

const pending = (name: string, content: string) => insertCatalogueItem(t.db, 'templates', { name, sms_type: 'notification', content }, memberId);
const fit = async (content: string) => unescapeHtml((await admin.get('/templates/fit').query({ content }).expect(200)).text);

describe('the editor count', () => {
  test('counts with the longest approved signature, as the send form would', async () => {
    const html = await fit('好'.repeat(66));
    expect(html).toContain('With 【腾讯云】 (the longest approved signature): 71 characters | 2 messages');
    expect(html).not.toContain('data-fit-warning');
    expect(await fit('您好')).toContain('7 characters | 1 message<');
  });

  test('warns when the longest signature makes it too long, and says when no signature can carry it', async () => {
    const warned = await fit('好'.repeat(496));
    expect(warned).toContain('501 characters | 8 messages');
    expect(warned).toContain('Too long to send with 【腾讯云】');
    expect(warned).not.toContain('Too long to send with any approved signature');
    expect(await fit('好'.repeat(500))).toContain('Too long to send with any approved signature');
  });

  test('answers in Chinese too', async () => {
    const res = await admin.get('/templates/fit').set('Accept-Language', 'zh-CN').query({ content: '您好' });
    expect(unescapeHtml(res.text)).toContain('加上【腾讯云】（最长的已审核签名）：7 字 | 1 条');
  });

  test('needs a login', async () => {
    const res = await (await import('supertest')).default(t.app).get('/templates/fit').query({ content: 'x' });
    expect(res.status).not.toBe(200);
  });
});

describe('approval', () => {
  test('refuses with 422 and the reason a template that cannot fit even with the shortest signature', async () => {
    const id = await pending('too long', '好'.repeat(500));
    const res = await postForm(admin, `/templates/${id}/approve`, {}, `/templates/${id}`);
    expect(res.status).toBe(422);
    expect(unescapeHtml(res.text)).toContain('over 500 characters even with the shortest approved signature');
    expect((await t.db('templates').where({ id }).first()).status).toBe('pending');
  });

  test('enabling a disabled template checks the same: one that cannot fit stays disabled (422, with the reason)', async () => {
    const id = await pending('disabled too long', '好'.repeat(500));
    await t.db('templates').where({ id }).update({ status: 'disabled' });
    const res = await postForm(admin, `/templates/${id}/enable`, {}, `/templates/${id}`);
    expect(res.status).toBe(422);
    expect(unescapeHtml(res.text)).toContain('over 500 characters even with the shortest approved signature');
    expect((await t.db('templates').where({ id }).first()).status).toBe('disabled');

    const fits = await pending('disabled fits', '您好');
    await t.db('templates').where({ id: fits }).update({ status: 'disabled' });
    expect((await postForm(admin, `/templates/${fits}/enable`, {}, `/templates/${fits}`)).status).toBe(303);
    expect((await t.db('templates').where({ id: fits }).first()).status).toBe('approved');
  });

  test('approves one that fits the shortest signature though not the longest', async () => {
    const id = await pending('fits 阿里', '好'.repeat(496));
    const res = await postForm(admin, `/templates/${id}/approve`, {}, `/templates/${id}`);
    expect(res.status).toBe(303);
    expect((await t.db('templates').where({ id }).first()).status).toBe('approved');
    expect(flashText((await admin.get(`/templates/${id}`)).text)).toBeDefined();
  });
});
