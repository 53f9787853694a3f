import { makeTestApp, addUser, loginAs, type TestApp, type Agent } from '../helpers/app';
import { phones, seedTask } from '../helpers/tasks';

/** Issue 12, item 12: every empty list says what to do next, with the link that does it, in both languages. */

let t: TestApp;
let admin: Agent;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  admin = await loginAs(t.app, 'admin');
});
afterAll(() => t.close());

/** The empty state's sentence and its link, or undefined when the page has none. */
function emptyState(html: string): { text: string; href: string; action: string } | undefined {
  const m = /<p class="empty" data-empty-state>([^<]*) — <a href="([^"]*)" data-empty-action>([^<]*)<\/a><\/p>/.exec(html);
  return m ? { text: m[1], href: m[2].replace(/&amp;/g, '&'), action: m[3] } : undefined;
}

test.each([
  ['/signatures', { text: 'No signatures yet', href: '/signatures/new', action: 'create one' }],
  ['/signatures?status=approved', { text: 'No signature matches this filter', href: '/signatures', action: 'show all' }],
  ['/templates', { text: 'No templates yet', href: '/templates/new', action: 'create one' }],
  ['/templates?smsType=marketing', { text: 'No template matches this filter', href: '/templates', action: 'show all' }],
  ['/tasks', { text: 'No send tasks yet', href: '/tasks/new', action: 'send one' }],
  ['/tasks?q=T9999', { text: 'No task matches these filters', href: '/tasks', action: 'clear the filters' }],
  ['/api-keys', { text: 'No API keys yet', href: '#name', action: 'name one above and create it' }],
])('%s: the empty state links to the next step', async (url, expected) => {
  const res = await admin.get(url);
  expect(res.status).toBe(200);
  expect(emptyState(res.text)).toEqual(expected);
});

test('in Chinese too', async () => {
  const res = await admin.get('/signatures').set('Accept-Language', 'zh-CN');
  expect(emptyState(res.text)).toEqual({ text: '还没有签名', href: '/signatures/new', action: '新建一个' });
});

test('a task page whose message filter matches nothing links back to all its messages', async () => {
  const { taskId } = await seedTask(t.db, phones(2), { userId: 1, sendAt: new Date(Date.now() + 3_600_000) });
  const res = await admin.get(`/tasks/${taskId}?status=failed`);
  expect(emptyState(res.text)).toEqual({ text: 'No message matches the filter', href: `/tasks/${taskId}#messages`, action: 'clear the filters' });
});
