import request from 'supertest';
import { addUser, loginAs, makeTestApp, type Agent, type TestApp } from '../helpers/app';

let t: TestApp;
let admin: Agent;
let member: Agent;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'member');
  [admin, member] = await Promise.all([loginAs(t.app, 'admin'), loginAs(t.app, 'member')]);
});
afterAll(() => t.close());

const navLinks = (html: string) => [...(/<nav class="nav"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '').matchAll(/href="([^"]+)"/g)].map((m) => m[1]);

describe('the product nav', () => {
  test('/api-keys is for admins only', async () => {
    expect((await member.get('/api-keys')).status).toBe(403);
    expect((await request(t.app).get('/api-keys')).headers.location).toBe('/login?next=%2Fapi-keys');
  });

  test('/tasks answers the task list for members and admins, never a 404', async () => {
    for (const agent of [member, admin]) {
      const res = await agent.get('/tasks');
      expect(res.status).toBe(200);
      expect(res.text).toContain('<a href="/tasks" class="active" aria-current="page">Send tasks</a>');
    }
    expect((await request(t.app).get('/tasks')).status).toBe(303);
  });

  test('every link of the nav answers 200 for the role that sees it', async () => {
    const memberLinks = navLinks((await member.get('/signatures')).text);
    expect(memberLinks).toEqual(['/tasks', '/signatures', '/templates', '/opt-outs']);
    for (const href of memberLinks) expect([href, (await member.get(href)).status]).toEqual([href, 200]);

    const adminLinks = navLinks((await admin.get('/signatures')).text);
    expect(adminLinks).toEqual(['/tasks', '/signatures', '/templates', '/opt-outs', '/users', '/api-keys', '/carriers', '/inbox', '/audit', '/settings']);
    for (const href of adminLinks) expect([href, (await admin.get(href)).status]).toEqual([href, 200]);
  });

  test('the start page leads to the send tasks', async () => {
    const res = await member.get('/');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tasks');
  });

  test('a page that does not exist is a 404 page', async () => {
    const res = await member.get('/reports');
    expect(res.status).toBe(404);
    expect(res.text).toContain('This page does not exist.');
  });
});
