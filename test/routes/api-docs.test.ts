/**
 * README "First steps" promises (issue 12): the header says the built-in carrier is a simulator while no real
 * carrier is configured, and a task's API section links to an API reference the app serves (the README's section).
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { addUser, loginAs, makeTestApp, unescapeHtml, type Agent, type TestApp } from '../helpers/app';
import { insertTaskRow } from '../helpers/task-rows';
import { apiSection } from '../../src/handlers/api-docs.handlers';

let t: TestApp;
let member: Agent;
let taskId: string;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  const memberId = await addUser(t.db, 'ann');
  member = await loginAs(t.app, 'ann');
  taskId = await insertTaskRow(t.db, { createdBy: memberId });
});
afterAll(() => t.close());

test('/api-docs shows the README API section, from its heading to the next section, to any signed-in user', async () => {
  const res = await member.get('/api-docs').expect(200);
  const html = unescapeHtml(res.text);
  expect(html).toContain('<h1>API reference</h1>');
  expect(html).toContain('### `GET /api/v1/receipts?since=<cursor>&task_id=<id>&limit=<n>`');
  expect(html).toContain('### `POST /api/v1/tasks`');
  expect(html).not.toContain('## Tests');
  expect((await request(t.app).get('/api-docs')).headers.location).toMatch(/^\/login/);
});

test('apiSection cuts the README at the next second-level heading', () => {
  expect(apiSection('# Q\n\n## Intro\nx\n## API\n\nkeys\n### GET /a\nb\n## Tests\nno\n')).toBe('## API\n\nkeys\n### GET /a\nb');
  expect(apiSection('# Q\n## Other\n')).toBe('');
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  expect(apiSection(readme).startsWith('## API')).toBe(true);
});

test("a task's API section links to /api-docs, not to the README", async () => {
  const html = unescapeHtml((await member.get(`/tasks/${taskId}`).expect(200)).text);
  const section = /<section class="card" data-api-links>[\s\S]*?<\/section>/.exec(html)![0];
  expect(section).toContain('href="/api-docs"');
  expect(section).not.toMatch(/README/);
  const zh = unescapeHtml((await member.get(`/tasks/${taskId}`).set('Accept-Language', 'zh-CN')).text);
  expect(/<section class="card" data-api-links>[\s\S]*?<\/section>/.exec(zh)![0]).not.toMatch(/README/);
});

test('while no real carrier is configured, every signed-in page says the carrier is a simulator, in both languages', async () => {
  for (const url of ['/tasks', '/templates', `/tasks/${taskId}`]) {
    expect(unescapeHtml((await member.get(url)).text)).toContain('Simulator: no real carrier is configured, so no real SMS leaves this console.');
  }
  expect(unescapeHtml((await member.get('/tasks').set('Accept-Language', 'zh-CN')).text)).toContain('模拟模式：尚未配置真实通道');
});
