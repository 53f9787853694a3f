/**
 * src/view-engine.ts renders exactly what ejs.renderFile renders: every page below, signed out, as a member, as an
 * admin and in Chinese, is fetched from the app and from a second app on the same database and session that uses
 * ejs's own engine, and the two answers must be the same byte for byte.
 */
import ejs from 'ejs';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/log';
import { addUser, cookieFrom, csrfFrom, makeTestApp, PASSWORD, type TestApp } from '../helpers/app';
import { seedTask } from '../helpers/tasks';
import { numbersWithOutcome, runDueTasks } from '../helpers/outcomes';
import { approvedSignature } from '../helpers/catalogue';
import { insertCatalogueItem } from '../../src/queries/catalogue.queries';

let t: TestApp;
let stock: Express;
let finished: string;
let scheduled: string;
const cookies: Record<string, string> = {};

async function login(username: string): Promise<string> {
  const page = await request(t.app).get('/login');
  const res = await request(t.app)
    .post('/login')
    .set('Cookie', `qunfa.sid=${cookieFrom(page)}`)
    .type('form')
    .send({ username, password: PASSWORD, _csrf: csrfFrom(page.text) });
  if (res.status !== 303) throw new Error(`login as ${username}: ${res.status}`);
  return cookieFrom(res)!;
}

beforeAll(async () => {
  t = await makeTestApp();
  stock = createApp({ db: t.db, config: t.config, logger: createLogger('silent') });
  stock.engine('ejs', ejs.renderFile);
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'mia', 'member');
  await addUser(t.db, 'li', 'member');
  await t.db('users').where({ username: 'li' }).update({ locale: 'zh-CN' });
  const numbers = [...numbersWithOutcome(8, '0000'), ...numbersWithOutcome(3, '0001', '139'), ...numbersWithOutcome(2, '0002', '137'), ...numbersWithOutcome(2, '0006', '136')];
  ({ taskId: finished } = await seedTask(t.db, numbers, { userId: 2, content: '尊敬的客户 <b>&"\'</b>，验证码 123456。' }));
  await runDueTasks(t.db);
  ({ taskId: scheduled } = await seedTask(t.db, numbersWithOutcome(3, '0000', '135'), { userId: 2, sendAt: new Date(Date.now() + 86_400_000) }));
  await approvedSignature(t.db, '京东<物流>', 2);
  await insertCatalogueItem(t.db, 'signatures', { name: '待审核' }, 2);
  for (const user of ['admin', 'mia', 'li']) cookies[user] = await login(user);
});
afterAll(() => t.close());

const PAGES = () => [
  '/tasks',
  '/tasks?status=completed',
  '/tasks?status=sending',
  '/tasks?q=13800000000',
  '/tasks?from=2020-13-01',
  `/tasks/${finished}`,
  `/tasks/${finished}?status=failed`,
  `/tasks/${finished}?phone=139`,
  `/tasks/${finished}?phone=abc`,
  `/tasks/${finished}/check`,
  `/tasks/${scheduled}`,
  '/tasks/new',
  '/signatures',
  '/signatures/new',
  '/signatures/1',
  '/templates',
  '/templates/new',
  '/users',
  '/users/new',
  '/users/2',
  '/settings',
  '/api-keys',
  '/no-such-page',
];

/** Both apps answer the same session (so the same CSRF token) and the same Host (the task page shows API URLs). */
async function same(path: string, cookie: string): Promise<void> {
  const get = (app: Express) => request(app).get(path).set('Host', 'qunfa.test').set('Cookie', `qunfa.sid=${cookie}`);
  const ours = await get(t.app);
  const theirs = await get(stock);
  expect([path, ours.status, ours.headers['content-type']]).toEqual([path, theirs.status, theirs.headers['content-type']]);
  expect(ours.text).toBe(theirs.text);
}

test.each(['admin', 'mia', 'li'])('every page as %s is what ejs renders', async (user) => {
  for (const path of PAGES()) await same(path, cookies[user]);
});

test('signed out: the login page, the setup page (gone) and an unknown page', async () => {
  // A visitor's session, made by the login page's CSRF token.
  const visitor = cookieFrom(await request(t.app).get('/login'))!;
  for (const path of ['/login', '/login?next=%2Ftasks', '/setup', '/no-such-page']) await same(path, visitor);
});
