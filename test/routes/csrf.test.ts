import request from 'supertest';
import { addUser, loginAs, makeTestApp, tokenFor, type Agent, type TestApp } from '../helpers/app';
import { listRoutes } from '../helpers/routes';
import { appTableNames, storageOrder } from '../helpers/test-db';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { seedTask } from '../helpers/tasks';
import { createApiKey } from '../../src/services/api-keys.service';
import { createDraft } from '../../src/services/drafts.service';
import { findSignature, findTemplate, insertCatalogueItem } from '../../src/queries/catalogue.queries';
import { findUserById } from '../../src/queries/users.queries';
import { checkRecipients } from '../../src/sms/recipient-check';
import { packRecipients } from '../../src/drafts/recipient-chunks';
import { insertCarrierAccount } from '../../src/queries/carrier-accounts.queries';
import { addOptOut } from '../../src/services/opt-outs.service';

let t: TestApp;
let admin: Agent;
let targets: Record<string, string>;

/** Every row of every table but the session store (which a request may touch without changing anything else). */
async function snapshot(): Promise<string> {
  const tables = (await appTableNames(t.db)).filter((name) => name !== 'sessions');
  const out: Record<string, unknown[]> = {};
  for (const table of tables) out[table] = await t.db(table).select('*').orderByRaw(storageOrder());
  return JSON.stringify(out);
}

beforeAll(async () => {
  t = await makeTestApp();
  const adminId = await addUser(t.db, 'admin', 'admin');
  const memberId = await addUser(t.db, 'member', 'member');
  admin = await loginAs(t.app, 'admin');
  const signatureId = await insertCatalogueItem(t.db, 'signatures', { name: '待审签名' }, memberId);
  const templateId = await insertCatalogueItem(t.db, 'templates', { name: 'pending', sms_type: 'notification', content: '您好' }, memberId);
  const scheduled = await seedTask(t.db, ['13900000007'], { userId: adminId, sendAt: new Date(Date.now() + 3_600_000) });
  const signature = (await findSignature(t.db, await approvedSignature(t.db, '草稿签名', adminId)))!;
  const template = (await findTemplate(t.db, await approvedTemplate(t.db, '草稿内容', 'notification', 'draft tpl', adminId)))!;
  const report = checkRecipients([{ rowNumber: 1, cells: ['13900000017'] }], { signature: signature.name, templateContent: template.content });
  const draftId = await createDraft(t.db, {
    user: (await findUserById(t.db, adminId))!, signature, template, sendMode: 'now', sendAt: null, source: 'manual', fileName: null,
    report, recipients: packRecipients(report.valid), formState: {}, timeZone: 'Asia/Shanghai',
  });
  const key = await createApiKey(t.db, { name: 'victim', createdBy: adminId });
  // An account no route uses, so each carriers action would really change it (edit, disable, delete).
  const carrier = await insertCarrierAccount(t.db, { name: 'victim carrier', kind: 'stub', settings: {}, state: 'connected' });
  // What each route parameter stands for: a real target the route would change if the request got through.
  targets = {
    '/users/:id': String(memberId),
    '/signatures/:id': String(signatureId),
    '/templates/:id': String(templateId),
    '/tasks/:id/confirm': draftId,
    '/tasks/:id': scheduled.taskId,
    '/api-keys/:id': String(key.id),
    '/carriers/:id': String(carrier),
    '/opt-outs/:phone': '13900000027',
  };
  await addOptOut(t.db, { phone: '13900000027', reason: 'csrf target', source: 'manual', actor: { userId: adminId, apiKeyId: null } });
});
afterAll(() => t.close());

function concrete(path: string): string {
  const prefix = Object.keys(targets).filter((p) => path.startsWith(p)).sort((a, b) => b.length - a.length)[0];
  if (!prefix && path.includes(':')) throw new Error(`no target for ${path}: add one to this test`);
  const filled = prefix ? targets[prefix] : '';
  return path.replace(/:[a-zA-Z]+/, filled);
}

/**
 * The state-changing routes outside the JSON API (which takes bearer keys, not cookies) and the providers' callbacks
 * (no session either: the token in their URL is the check, test/routes/carrier-callbacks.test.ts), logout last.
 */
function stateChangingRoutes() {
  const routes = listRoutes(t.app).filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && !r.path.startsWith('/api/') && !r.path.startsWith('/carrier-callbacks/'));
  return [...routes.filter((r) => r.path !== '/logout'), ...routes.filter((r) => r.path === '/logout')];
}

test('the route list is read from the router and holds the routes an attacker would aim at', () => {
  const paths = stateChangingRoutes().map((r) => `${r.method} ${r.path}`);
  expect(paths).toEqual(expect.arrayContaining(['POST /api-keys/:id/revoke', 'POST /users/:id/disable', 'POST /templates/:id/approve', 'POST /tasks/:id/confirm', 'POST /tasks/:id/stop', 'POST /tasks', 'POST /carriers', 'POST /carriers/routes', 'POST /carriers/:id', 'POST /carriers/:id/disable', 'POST /carriers/:id/delete']));
  expect(paths.length).toBeGreaterThanOrEqual(25);
});

test('every state-changing route, sent as multipart with no token, answers 403 and changes nothing', async () => {
  const before = await snapshot();
  for (const route of stateChangingRoutes()) {
    const url = concrete(route.path);
    const res = await admin.post(url).field('reason', 'csrf').field('name', 'csrf').field('role', 'member').field('password', 'attacker-pass');
    expect([route.path, res.status]).toEqual([route.path, 403]);
    expect(res.text).toContain('did not come from this site');
  }
  expect(await snapshot()).toBe(before);
  // The session survived every refusal: the same agent still gets its pages.
  expect((await admin.get('/api-keys')).status).toBe(200);
});

test('the same multipart requests with the token in the header reach their routes (so the 403s above were the check)', async () => {
  // An admin of its own: this loop ends by logging it out.
  const other = await loginAs(t.app, 'admin');
  for (const route of stateChangingRoutes()) {
    const token = await tokenFor(other, '/tasks/new');
    const res = await other.post(concrete(route.path)).set('X-CSRF-Token', token).field('reason', 'csrf');
    expect([route.path, res.status === 403, res.status >= 500]).toEqual([route.path, false, false]);
  }
  expect((await t.db('api_keys').first()).revoked_at).not.toBeNull();
});

test('a wrong token in the header of a multipart upload is refused before the body is read', async () => {
  const agent = await loginAs(t.app, 'member');
  const _csrf = await tokenFor(agent, '/tasks/new');
  const before = await t.db('tasks').count({ n: '*' });
  const res = await agent.post('/tasks').set('X-CSRF-Token', 'wrong').field('_csrf', _csrf).field('recipientsMode', 'manual').field('manualNumbers', '13800138000');
  expect(res.status).toBe(403);
  expect(await t.db('tasks').count({ n: '*' })).toEqual(before);
});

describe('the send form upload checks the token from the multipart body', () => {
  let member: Agent;
  let form: Record<string, string>;
  beforeAll(async () => {
    member = await loginAs(t.app, 'member');
    const signatureId = await approvedSignature(t.db, '上传签名');
    const templateId = await approvedTemplate(t.db, '上传内容', 'notification', 'upload tpl');
    form = { smsType: 'notification', signatureId: String(signatureId), templateId: String(templateId), recipientsMode: 'import', sendMode: 'now' };
  });

  const upload = (token: string | undefined, header?: string) => {
    let req = member.post('/tasks');
    if (header) req = req.set('X-CSRF-Token', header);
    if (token !== undefined) req = req.field('_csrf', token);
    for (const [k, v] of Object.entries(form)) req = req.field(k, v);
    return req.attach('file', Buffer.from('13800138000\n13800138001\n'), 'numbers.txt');
  };

  test('a wrong token, or none, answers 403 and stores nothing', async () => {
    const before = await snapshot();
    expect((await upload('not-the-token')).status).toBe(403);
    expect((await upload(undefined)).status).toBe(403);
    // Only the exact path is on the upload allow-list; a variant the router would also match needs the header.
    const variant = await member.post('/TASKS').field('_csrf', await tokenFor(member, '/tasks/new')).field('recipientsMode', 'manual');
    expect(variant.status).toBe(403);
    expect(await snapshot()).toBe(before);
  });

  test('the right token in the body, or only in the header as the page script sends it, makes the draft', async () => {
    const token = await tokenFor(member, '/tasks/new');
    const inBody = await upload(token);
    expect([inBody.status, inBody.headers.location]).toEqual([303, expect.stringMatching(/\/check$/)]);
    const inHeader = await upload(undefined, await tokenFor(member, '/tasks/new'));
    expect([inHeader.status, inHeader.headers.location]).toEqual([303, expect.stringMatching(/\/check$/)]);
  });
});

describe('Sec-Fetch-Site', () => {
  const revoke = async (site: string | undefined) => {
    const { id } = await createApiKey(t.db, { name: `fetch-site ${site}`, createdBy: 1 });
    const _csrf = await tokenFor(admin, '/api-keys');
    let req = admin.post(`/api-keys/${id}/revoke`).type('form');
    if (site !== undefined) req = req.set('Sec-Fetch-Site', site);
    const res = await req.send({ _csrf });
    return { res, revoked: (await t.db('api_keys').where({ id }).first()).revoked_at !== null };
  };

  test.each(['cross-site', 'same-site', 'Cross-Site'])('%s: a state-changing request with a valid token is refused with a clear page', async (site) => {
    const { res, revoked } = await revoke(site);
    expect([res.status, revoked]).toEqual([403, false]);
    expect(res.text).toContain('This request came from another site, so it was refused.');
  });

  test.each([['same-origin'], ['none'], [undefined]])('%s passes on to the token check', async (site) => {
    const { res, revoked } = await revoke(site);
    expect([res.status, revoked]).toEqual([303, true]);
  });

  test('reading a page from another site is not refused, and the JSON API is exempt (its keys are not cookies)', async () => {
    expect((await admin.get('/api-keys').set('Sec-Fetch-Site', 'cross-site')).status).toBe(200);
    const api = await request(t.app).post('/api/v1/tasks').set('Sec-Fetch-Site', 'cross-site').send({});
    expect([api.status, api.body.error.code]).toEqual([401, 'missing_api_key']);
  });
});
