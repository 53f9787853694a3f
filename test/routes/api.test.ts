import request from 'supertest';
import { addUser, makeTestApp, type TestApp } from '../helpers/app';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import type { AppDeps } from '../../src/app';
import { createApiKey, hashApiKey } from '../../src/services/api-keys.service';
import { createDraft } from '../../src/services/drafts.service';
import { saveSettings } from '../../src/services/settings.service';
import { findSignature, findTemplate } from '../../src/queries/catalogue.queries';
import { findUserById } from '../../src/queries/users.queries';
import { checkRecipients } from '../../src/sms/recipient-check';
import { ReceiptsCursor } from '../../src/services/receipts-feed.service';
import { API_BURST } from '../../src/middleware/rate-limit';
import { packRecipients } from '../../src/drafts/recipient-chunks';

const TWO_VARS = '尊敬的{1}，您的订单{2}已发货，请注意查收。';
const PLAIN = '您的快递已到，请及时取件。';

let t: TestApp;
let sigId: number;
let plainId: number;
let twoVarsId: number;
let wake: jest.Mock;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  sigId = await approvedSignature(t.db, '腾讯云');
  plainId = await approvedTemplate(t.db, PLAIN, 'notification', 'pickup');
  twoVarsId = await approvedTemplate(t.db, TWO_VARS, 'notification', 'shipped');
  wake = jest.fn();
  (t.app.locals.deps as AppDeps).wakeDispatcher = wake;
});
afterAll(() => t.close());

/** A fresh key per test: each has its own rate-limit bucket, so tests never throttle one another. */
let key: string;
beforeEach(async () => {
  key = (await createApiKey(t.db, { name: 'test', createdBy: 1 })).key;
});

const get = (url: string, k = key) => request(t.app).get(url).set('Authorization', `Bearer ${k}`);
const post = (body: unknown, headers: Record<string, string> = {}, k = key) => {
  const req = request(t.app).post('/api/v1/tasks').set('Authorization', `Bearer ${k}`).set(headers);
  return body === undefined ? req : req.send(body as object);
};

/** `n` distinct valid mobile numbers starting at `from`. */
const phones = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `138${String(from + i).padStart(8, '0')}`);
const taskCount = async () => Number((await t.db('tasks').count({ n: '*' }))[0].n);
const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };

async function apiTask(n: number, from = 0): Promise<string> {
  const res = await post({ signature: sigId, template: plainId, recipients: phones(n, from).map((phone) => ({ phone })) });
  if (res.status !== 201) throw new Error(`task not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.task.id;
}

/** Final outcomes as the dispatcher records them: one receipt row per message, in arrival order. */
async function addReceipts(taskId: string, count: number): Promise<number[]> {
  const messages = await t.db('messages').where({ task_id: taskId }).whereNotIn('id', t.db('receipts').select('message_id')).orderBy('id').limit(count);
  const ids: number[] = [];
  for (const m of messages) {
    const delivered = m.id % 3 !== 0;
    const [row] = await t.db('receipts')
      .insert({
        message_id: m.id,
        task_id: taskId,
        phone: m.phone,
        status: delivered ? 'delivered' : 'failed',
        code: delivered ? 'DELIVRD' : 'UNDELIV',
        description: delivered ? null : 'undeliverable',
        sent_at: '2026-11-25T06:00:00.000Z',
        reported_at: '2026-11-25T06:00:05.000Z',
      })
      .returning('id');
    ids.push(typeof row === 'object' ? row.id : row);
  }
  return ids;
}

/** Follows next_cursor from `since` until a page comes back empty; returns the receipts seen and the last cursor. */
async function drain(query: string, since?: string) {
  const seen: Array<{ message_id: number; task_id: string }> = [];
  let cursor = since;
  for (let i = 0; i < 50; i += 1) {
    const res = await get(`/api/v1/receipts?${query}${cursor ? `&since=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    if (res.body.receipts.length === 0) {
      if (cursor) expect(res.body.next_cursor).toBe(cursor);
      return { seen, cursor: res.body.next_cursor as string };
    }
    seen.push(...res.body.receipts);
    cursor = res.body.next_cursor;
  }
  throw new Error('the feed never ended');
}

describe('authentication', () => {
  test('no Authorization header: 401 missing_api_key, JSON, with WWW-Authenticate', async () => {
    const res = await request(t.app).get('/api/v1/receipts');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="qunfa"');
    expect(res.body).toEqual({ error: { code: 'missing_api_key', message: 'Send an API key in the header Authorization: Bearer <key>.' } });
  });

  test.each([
    ['Bearer nope'],
    ['Bearer qf_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['Bearer ' + 'x'.repeat(600)],
    ['Bearer'],
    ['Basic YWRtaW46cGFzc3dvcmQ='],
    ['bearer'],
  ])('%p: 401, never 500', async (header) => {
    const res = await request(t.app).get('/api/v1/receipts').set('Authorization', header);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(errorShape);
    expect(['missing_api_key', 'invalid_api_key']).toContain(res.body.error.code);
  });

  test('a well-formed key that was never issued gets invalid_api_key; the real key works, case-insensitive scheme', async () => {
    const forged = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await get('/api/v1/receipts', forged)).body.error.code).toBe('invalid_api_key');
    expect((await request(t.app).get('/api/v1/receipts').set('Authorization', `bearer ${key}`)).status).toBe(200);
  });

  test('a revoked key gets 401 at once', async () => {
    expect((await get('/api/v1/receipts')).status).toBe(200);
    await t.db('api_keys').where({ key_hash: hashApiKey(key) }).update({ revoked_at: new Date().toISOString() });
    const res = await get('/api/v1/receipts');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_api_key');
  });

  test('the key is checked before the body is read: a bad body without a key is a 401, not a 400', async () => {
    const res = await request(t.app).post('/api/v1/tasks').set('Content-Type', 'application/json').send('{not json');
    expect(res.status).toBe(401);
  });

  test('no CSRF token is asked for, and no session cookie is set', async () => {
    const res = await post({ signature: sigId, template: plainId, recipients: [{ phone: phones(1)[0] }] });
    expect(res.status).toBe(201);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  test('an unknown path under /api/v1 is a JSON 404 for a key holder and a 401 without one', async () => {
    const res = await get('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect((await request(t.app).get('/api/v1/nothing-here')).status).toBe(401);
  });

  test('error messages follow Accept-Language', async () => {
    const res = await request(t.app).get('/api/v1/receipts').set('Accept-Language', 'zh-CN');
    expect(res.body.error.message).toContain('API 密钥');
  });
});

describe('rate limit', () => {
  test(`a burst beyond ${API_BURST} requests gets 429 with Retry-After; another key is not affected`, async () => {
    // Far beyond the burst: on a loaded machine the requests take over a second to answer, and the bucket refills
    // at 20 a second meanwhile, so a burst of just 20 over could all pass.
    const answers = await Promise.all(Array.from({ length: API_BURST * 4 }, () => get('/api/v1/receipts')));
    const limited = answers.filter((r) => r.status === 429);
    expect(answers.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(API_BURST);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    expect(Number(limited[0].headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited[0].body).toEqual({ error: { code: 'rate_limited', message: expect.stringContaining('20 a second') } });

    const other = (await createApiKey(t.db, { name: 'other', createdBy: 1 })).key;
    expect((await get('/api/v1/receipts', other)).status).toBe(200);

    await new Promise((r) => setTimeout(r, 1100));
    expect((await get('/api/v1/receipts')).status).toBe(200);
  });
});

describe('GET /api/v1/receipts', () => {
  test('each receipt exactly once across pages, in order, including receipts that arrive while paging', async () => {
    const a = await apiTask(30, 100);
    const b = await apiTask(30, 200);
    // Start from "now": whatever earlier tests left is skipped by taking the current position first.
    const start = (await drain('limit=1000')).cursor;

    const expected = [...(await addReceipts(a, 12)), ...(await addReceipts(b, 8))];
    const first = await get(`/api/v1/receipts?limit=7&since=${encodeURIComponent(start)}`);
    expect(first.body.receipts).toHaveLength(7);
    const second = await get(`/api/v1/receipts?limit=7&since=${encodeURIComponent(first.body.next_cursor)}`);
    expect(second.body.receipts).toHaveLength(7);

    // Receipts arriving in the middle of paging come later, after the ones already waiting.
    expected.push(...(await addReceipts(a, 5)), ...(await addReceipts(b, 4)));
    const rest = await drain('limit=7', second.body.next_cursor);

    const all = [...first.body.receipts, ...second.body.receipts, ...rest.seen];
    const messageIds = all.map((r) => r.message_id);
    const byReceipt = await t.db('receipts').whereIn('id', expected).orderBy('id').pluck('message_id');
    expect(messageIds).toEqual(byReceipt);
    expect(new Set(messageIds).size).toBe(messageIds.length);

    // Polling with the last cursor: nothing new, the same cursor back; then only the newer receipt.
    const idle = await get(`/api/v1/receipts?since=${encodeURIComponent(rest.cursor)}`);
    expect(idle.body).toEqual({ receipts: [], next_cursor: rest.cursor });
    const [late] = await addReceipts(a, 1);
    const after = await get(`/api/v1/receipts?since=${encodeURIComponent(rest.cursor)}`);
    expect(after.body.receipts.map((r: { message_id: number }) => r.message_id)).toEqual(await t.db('receipts').where({ id: late }).pluck('message_id'));
  });

  test('the receipt fields, with times in ISO-8601 UTC', async () => {
    const taskId = await apiTask(1, 300);
    const start = (await drain('limit=1000')).cursor;
    await t.db('receipts').insert({
      message_id: (await t.db('messages').where({ task_id: taskId }).first()).id,
      task_id: taskId,
      phone: '13800000300',
      status: 'rejected',
      code: 'KEYWORD',
      description: 'blocked keyword',
      sent_at: null,
      reported_at: '2026-11-25T14:30:00.000+08:00',
    });
    const res = await get(`/api/v1/receipts?since=${encodeURIComponent(start)}`);
    expect(res.body.receipts).toEqual([
      {
        task_id: taskId,
        message_id: expect.any(Number),
        phone: '13800000300',
        status: 'rejected',
        code: 'KEYWORD',
        description: 'blocked keyword',
        sent_at: null,
        reported_at: '2026-11-25T06:30:00.000Z',
      },
    ]);
  });

  test('task_id filters the feed; its cursor only works with the same task_id', async () => {
    const a = await apiTask(10, 400);
    const b = await apiTask(10, 500);
    await addReceipts(b, 3);
    const mine = await addReceipts(a, 6);
    await addReceipts(b, 3);
    const first = await get(`/api/v1/receipts?task_id=${a}&limit=4`);
    expect(first.status).toBe(200);
    expect(first.body.receipts.every((r: { task_id: string }) => r.task_id === a)).toBe(true);
    const rest = await drain(`task_id=${a}&limit=4`, first.body.next_cursor);
    expect([...first.body.receipts, ...rest.seen].map((r) => r.message_id)).toEqual(await t.db('receipts').whereIn('id', mine).orderBy('id').pluck('message_id'));

    const unfiltered = await get(`/api/v1/receipts?since=${encodeURIComponent(first.body.next_cursor)}`);
    expect(unfiltered.status).toBe(400);
    expect(unfiltered.body.error.code).toBe('invalid_cursor');
    const otherTask = await get(`/api/v1/receipts?task_id=${b}&since=${encodeURIComponent(first.body.next_cursor)}`);
    expect(otherTask.body.error.code).toBe('invalid_cursor');
  });

  test('an empty feed still returns a cursor to poll with', async () => {
    const taskId = await apiTask(1, 600);
    const res = await get(`/api/v1/receipts?task_id=${taskId}`);
    expect(res.body).toEqual({ receipts: [], next_cursor: expect.any(String) });
    const again = await get(`/api/v1/receipts?task_id=${taskId}&since=${encodeURIComponent(res.body.next_cursor)}`);
    expect(again.body).toEqual({ receipts: [], next_cursor: res.body.next_cursor });
  });

  test('a tampered, forged or garbage cursor is a 400 invalid_cursor', async () => {
    const { cursor } = await drain('limit=1000');
    const [payload, tag] = cursor.split('.');
    const json = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const rewritten = Buffer.from(JSON.stringify({ ...json, id: 0 })).toString('base64url');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const forged = new ReceiptsCursor('some other secret, some other secret').encode({ afterId: 0, taskId: null });
    for (const bad of [`${rewritten}.${tag}`, flip(cursor, 2), flip(cursor, cursor.length - 2), payload, forged, 'garbage', '..', '%00', 'a'.repeat(5000), `${payload}.${tag}.x`]) {
      const res = await get(`/api/v1/receipts?since=${encodeURIComponent(bad)}`);
      expect([bad.slice(0, 40), res.status, res.body.error?.code]).toEqual([bad.slice(0, 40), 400, 'invalid_cursor']);
    }
  });

  test.each(['0', '-1', 'abc', '100000', '1001', '1.5', '', '1e3', ' 5'])('limit=%p is a 400 invalid_limit', async (limit) => {
    const res = await get(`/api/v1/receipts?limit=${encodeURIComponent(limit)}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'invalid_limit', message: 'limit must be a whole number from 1 to 1000.' } });
  });

  test('limit=1000 and limit=1 are accepted; a repeated parameter is refused', async () => {
    expect((await get('/api/v1/receipts?limit=1000')).status).toBe(200);
    expect((await get('/api/v1/receipts?limit=1')).status).toBe(200);
    expect((await get('/api/v1/receipts?limit=1&limit=2')).status).toBe(400);
    expect((await get('/api/v1/receipts?task_id=a&task_id=b')).body.error.code).toBe('invalid_task_id');
  });

  test('an unknown task_id, or a draft, is a 404', async () => {
    for (const id of ['T0000000000', 'nope', '%27%20or%201%3D1', 'x'.repeat(40)]) {
      const res = await get(`/api/v1/receipts?task_id=${id}`);
      expect([id, res.status, res.body.error?.code]).toEqual([id, 404, 'not_found']);
    }
    const draftId = await draft();
    expect((await get(`/api/v1/receipts?task_id=${draftId}`)).status).toBe(404);
  });
});

/** A draft made by the send form's service, not confirmed. */
async function draft(): Promise<string> {
  const signature = (await findSignature(t.db, sigId))!;
  const template = (await findTemplate(t.db, plainId))!;
  const report = checkRecipients([{ rowNumber: 1, cells: ['13900000000'] }], { signature: signature.name, templateContent: template.content });
  return createDraft(t.db, {
    user: (await findUserById(t.db, 1))!,
    signature,
    template,
    sendMode: 'now',
    sendAt: null,
    source: 'manual',
    fileName: null,
    report,
    recipients: packRecipients(report.valid),
    formState: {},
    timeZone: 'Asia/Shanghai',
  });
}

describe('GET /api/v1/tasks/:id', () => {
  test('the task with its counts by message status', async () => {
    const id = await apiTask(7, 700);
    const ids = await t.db('messages').where({ task_id: id }).orderBy('id').pluck('id');
    await t.db('messages').whereIn('id', ids.slice(0, 3)).update({ status: 'delivered' });
    await t.db('messages').whereIn('id', ids.slice(3, 4)).update({ status: 'failed' });
    await t.db('messages').whereIn('id', ids.slice(4, 5)).update({ status: 'submitted' });
    // The counts come from the task's counters (src/tasks/task-counts.ts), which the dispatcher keeps with the messages.
    await t.db('tasks').where({ id }).update({ status: 'sending', started_at: '2026-11-25T06:00:00.000Z', submitted_count: 5, delivered_count: 3, failed_count: 1 });

    const res = await get(`/api/v1/tasks/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      task: {
        id,
        status: 'sending',
        sms_type: 'notification',
        signature: '腾讯云',
        template_name: 'pickup',
        template_content: PLAIN,
        send_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        started_at: '2026-11-25T06:00:00.000Z',
        completed_at: null,
        recipient_count: 7,
        total_segments: 7,
        counts: { pending: 2, submitting: 0, submitted: 1, delivered: 3, failed: 1, rejected: 0, cancelled: 0, suppressed: 0, capped: 0, unknown: 0 },
      },
    });
  });

  test('an unknown id, or a draft, is a JSON 404', async () => {
    for (const id of ['T9999999999', 'x'.repeat(100), '%20', await draft()]) {
      const res = await get(`/api/v1/tasks/${id}`);
      expect([id, res.status]).toEqual([id, 404]);
      expect(res.body).toEqual({ error: { code: 'not_found', message: 'There is no task with this id.' } });
    }
  });
});

describe('POST /api/v1/tasks', () => {
  test('creates and confirms a send-now task through the form checks; 201 with the task and the report', async () => {
    wake.mockClear();
    const before = await taskCount();
    const [p1, p2] = phones(2, 800);
    const res = await post({
      signature: sigId,
      template: twoVarsId,
      recipients: [
        { phone: p1, params: ['张三', 'A1'] },
        { phone: `+86 ${p2}`, params: ['李四', 'B2'] },
        { phone: p1, params: ['张三', 'A1'] },
        { phone: '12345', params: ['x', 'y'] },
        { phone: phones(1, 810)[0], params: ['only one'] },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/tasks/${res.body.task.id}`);
    expect(res.body.task).toMatchObject({
      id: expect.stringMatching(/^T\d{10}$/),
      status: 'scheduled',
      sms_type: 'notification',
      signature: '腾讯云',
      template_name: 'shipped',
      recipient_count: 2,
      counts: { pending: 2, submitting: 0, submitted: 0, delivered: 0, failed: 0, rejected: 0, cancelled: 0, suppressed: 0, capped: 0, unknown: 0 },
    });
    expect(Math.abs(Date.parse(res.body.task.send_at) - Date.now())).toBeLessThan(10_000);
    expect(res.body.report).toEqual({
      rows_read: 5,
      valid: 2,
      invalid: [
        { row: 4, value: '12345', reason: 'phone_length', message: '5 digits' },
        { row: 5, value: phones(1, 810)[0], reason: 'param_count', message: 'expects 2 parameters, found 1' },
      ],
      duplicates_removed: 1,
      repeated_numbers: 0,
      total_segments: 2,
    });
    expect(await taskCount()).toBe(before + 1);
    const row = await t.db('tasks').where({ id: res.body.task.id }).first();
    expect(row).toMatchObject({ status: 'scheduled', source: 'api', created_by: 1, send_mode: 'now', invalid_count: 2 });
    const messages = await t.db('messages').where({ task_id: row.id }).orderBy('id');
    expect(messages.map((m) => [m.phone, m.content])).toEqual([
      [p1, '【腾讯云】尊敬的张三，您的订单A1已发货，请注意查收。'],
      [p2, '【腾讯云】尊敬的李四，您的订单B2已发货，请注意查收。'],
    ]);
    expect(wake).toHaveBeenCalledTimes(1);
    expect((await get(`/api/v1/tasks/${row.id}`)).body.task.id).toBe(row.id);
  });

  test('signature and template by name; a scheduled send_at with an offset is kept as that instant', async () => {
    const sendAt = new Date(Date.now() + 2 * 3_600_000);
    sendAt.setUTCMilliseconds(0);
    const local = new Date(sendAt.getTime() + 8 * 3_600_000).toISOString().slice(0, 19) + '+08:00';
    const res = await post({ signature: '腾讯云', template: 'pickup', sms_type: 'notification', send_at: local, recipients: [{ phone: phones(1, 900)[0], params: [] }] });
    expect(res.status).toBe(201);
    expect(res.body.task.send_at).toBe(sendAt.toISOString());
    expect(await t.db('tasks').where({ id: res.body.task.id }).first()).toMatchObject({ send_mode: 'scheduled', status: 'scheduled', send_at: sendAt.toISOString() });
  });

  describe('422 with the fields to fix, and nothing created', () => {
    let before: number;
    beforeEach(async () => {
      before = await taskCount();
      wake.mockClear();
    });
    afterEach(async () => {
      expect(await taskCount()).toBe(before);
      expect(wake).not.toHaveBeenCalled();
    });

    test('a list of bad phone numbers only: the report says why each was refused', async () => {
      const res = await post({ signature: sigId, template: plainId, recipients: [{ phone: '123' }, { phone: 'abc' }, { phone: '23800138000' }] });
      expect(res.status).toBe(422);
      expect(res.body.error).toEqual({ code: 'validation_failed', message: expect.any(String), fields: { recipients: 'There is no valid recipient: this task cannot be sent.' } });
      expect(res.body.report).toMatchObject({ rows_read: 3, valid: 0, total_segments: 0 });
      expect(res.body.report.invalid.map((r: { reason: string }) => r.reason)).toEqual(['phone_length', 'phone_invalid_chars', 'phone_not_mobile']);
    });

    test('a template whose variables the params do not fill', async () => {
      const res = await post({ signature: sigId, template: twoVarsId, recipients: [{ phone: phones(1)[0], params: ['one'] }, { phone: phones(1, 1)[0] }, { phone: phones(1, 2)[0], params: ['a', 'b', 'c'] }] });
      expect(res.status).toBe(422);
      expect(res.body.report.invalid.map((r: { reason: string; message: string }) => r.message)).toEqual([
        'expects 2 parameters, found 1',
        'expects 2 parameters, found 0',
        'expects 2 parameters, found 3',
      ]);
      const plain = await post({ signature: sigId, template: plainId, recipients: [{ phone: phones(1)[0], params: ['unexpected'] }] });
      expect(plain.status).toBe(422);
      expect(plain.body.report.invalid[0].reason).toBe('params_not_allowed');
    });

    test.each([
      [{ signature: 99999 }, 'signature', 'Choose an approved signature.'],
      [{ signature: 'unknown' }, 'signature', 'Choose an approved signature.'],
      [{ signature: '  ' }, 'signature', 'Give the id (a number) or the name (a string).'],
      [{ template: 99999 }, 'template', 'Choose an approved template.'],
      [{ template: 'unknown' }, 'template', 'Choose an approved template.'],
      [{ template: 'pickup', sms_type: 'marketing' }, 'template', 'This template is not of the chosen SMS type.'],
      [{ sms_type: 'spam' }, 'sms_type', 'sms_type must be one of: verification, notification, marketing.'],
      [{ send_at: new Date(Date.now() - 60_000).toISOString() }, 'send_at', 'Choose a time at least 1 minute in the future.'],
      [{ send_at: new Date(Date.now() + 10_000).toISOString() }, 'send_at', 'Choose a time at least 1 minute in the future.'],
      [{ send_at: new Date(Date.now() + 31 * 86_400_000).toISOString() }, 'send_at', 'Choose a time within the next 30 days.'],
      [{ send_at: '2026-12-01T09:30:00' }, 'send_at', expect.stringContaining('with its offset')],
      [{ send_at: '2027-02-30T09:30:00+08:00' }, 'send_at', expect.stringContaining('ISO-8601')],
      [{ send_at: 'tomorrow' }, 'send_at', expect.stringContaining('ISO-8601')],
      [{ send_at: 1767225600000 }, 'send_at', expect.stringContaining('ISO-8601')],
      [{ recipients: [] }, 'recipients', 'recipients is empty: give at least one.'],
    ])('%p → fields.%s', async (change, fieldName, message) => {
      const res = await post({ signature: sigId, template: plainId, recipients: [{ phone: phones(1)[0] }], ...change });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.fields).toEqual({ [fieldName]: message });
    });

    test('a signature that is not approved (pending) is refused like on the form', async () => {
      const [pending] = await t.db('signatures').insert({ name: '待审核', status: 'pending', created_by: 1, created_at: new Date().toISOString(), updated_at: new Date().toISOString() }).returning('id');
      const res = await post({ signature: '待审核', template: plainId, recipients: [{ phone: phones(1)[0] }] });
      expect(res.status).toBe(422);
      expect(res.body.error.fields.signature).toBe('Choose an approved signature.');
      expect(pending).toBeDefined();
    });

    test('a template name shared by two approved templates is ambiguous', async () => {
      await approvedTemplate(t.db, '您的包裹已签收。', 'notification', 'twin');
      await approvedTemplate(t.db, '您的包裹已退回。', 'notification', 'twin');
      const res = await post({ signature: sigId, template: 'twin', recipients: [{ phone: phones(1)[0] }] });
      expect(res.status).toBe(422);
      expect(res.body.error.fields.template).toBe('2 approved templates have this name: give the template id instead.');
    });

    test('more recipients than the import limit in settings', async () => {
      await saveSettings(t.db, { importMaxRows: 3 });
      try {
        const res = await post({ signature: sigId, template: plainId, recipients: phones(4).map((phone) => ({ phone })) });
        expect(res.status).toBe(422);
        expect(res.body.error.fields.recipients).toBe('4 numbers, the limit is 3.');
      } finally {
        await saveSettings(t.db, { importMaxRows: 100_000 });
      }
    });
  });

  describe('Idempotency-Key', () => {
    test('a retry gets the first answer replayed, and only one task exists', async () => {
      wake.mockClear();
      const before = await taskCount();
      const body = { signature: sigId, template: plainId, recipients: phones(3, 1000).map((phone) => ({ phone })) };
      const first = await post(body, { 'Idempotency-Key': 'order-42' });
      const retry = await post(body, { 'Idempotency-Key': 'order-42' });
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(await taskCount()).toBe(before + 1);
      expect(wake).toHaveBeenCalledTimes(1);

      // Another Idempotency-Key is another task; the same one under another API key too.
      const other = await post(body, { 'Idempotency-Key': 'order-43' });
      expect(other.body.task.id).not.toBe(first.body.task.id);
      const otherKey = (await createApiKey(t.db, { name: 'other', createdBy: 1 })).key;
      const sameIdemOtherKey = await post(body, { 'Idempotency-Key': 'order-42' }, otherKey);
      expect(sameIdemOtherKey.body.task.id).not.toBe(first.body.task.id);
      expect(await taskCount()).toBe(before + 3);
    });

    test('concurrent duplicates create one task', async () => {
      const before = await taskCount();
      const body = { signature: sigId, template: plainId, recipients: phones(50, 2000).map((phone) => ({ phone })) };
      const answers = await Promise.all(Array.from({ length: 6 }, () => post(body, { 'Idempotency-Key': 'concurrent-1' })));
      expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
      expect(new Set(answers.map((a) => a.body.task.id)).size).toBe(1);
      expect(await taskCount()).toBe(before + 1);
      expect(await t.db('api_idempotency').where({ idem_key: 'concurrent-1' }).count({ n: '*' })).toEqual([{ n: 1 }]);
    });

    test('a 422 is replayed too, even if the retry would now pass', async () => {
      const bad = await post({ signature: sigId, template: plainId, recipients: [{ phone: '123' }] }, { 'Idempotency-Key': 'bad-once' });
      expect(bad.status).toBe(422);
      const good = await post({ signature: sigId, template: plainId, recipients: [{ phone: phones(1)[0] }] }, { 'Idempotency-Key': 'bad-once' });
      expect(good.status).toBe(422);
      expect(good.body).toEqual(bad.body);
    });

    test.each(['x'.repeat(129), 'has space', 'caf\u00e9'])('an unusable Idempotency-Key %p is a 400', async (idem) => {
      const before = await taskCount();
      const res = await post({ signature: sigId, template: plainId, recipients: [{ phone: phones(1)[0] }] }, { 'Idempotency-Key': idem });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_idempotency_key');
      expect(await taskCount()).toBe(before);
    });

    test('128 characters are accepted', async () => {
      const res = await post({ signature: sigId, template: plainId, recipients: [{ phone: phones(1)[0] }] }, { 'Idempotency-Key': 'k'.repeat(128) });
      expect(res.status).toBe(201);
    });
  });

  describe('bad bodies never get a 500', () => {
    const valid = () => ({ signature: sigId, template: plainId, recipients: [{ phone: phones(1)[0] }] });
    test.each([
      ['recipients is a string', { recipients: '13800138000' }, 'recipients'],
      ['recipients is an object', { recipients: { phone: '13800138000' } }, 'recipients'],
      ['recipients is null', { recipients: null }, 'recipients'],
      ['recipients missing', { recipients: undefined }, 'recipients'],
      ['a recipient is a string', { recipients: ['13800138000'] }, 'recipients[0]'],
      ['a recipient is null', { recipients: [null] }, 'recipients[0]'],
      ['phone is a number', { recipients: [{ phone: 13800138000 }] }, 'recipients[0].phone'],
      ['phone is missing', { recipients: [{ params: [] }] }, 'recipients[0].phone'],
      ['params are numbers', { recipients: [{ phone: '13800138000', params: [1, 2] }] }, 'recipients[0].params'],
      ['params nested', { recipients: [{ phone: '13800138000', params: [['a']] }] }, 'recipients[0].params'],
      ['params an object', { recipients: [{ phone: '13800138000', params: { 1: 'a' } }] }, 'recipients[0].params'],
      ['params a string', { recipients: [{ phone: '13800138000', params: 'a' }] }, 'recipients[0].params'],
      ['a null param', { recipients: [{ phone: '13800138000', params: [null] }] }, 'recipients[0].params'],
      ['signature is an object', { signature: { id: 1 } }, 'signature'],
      ['signature is negative', { signature: -1 }, 'signature'],
      ['signature is a fraction', { signature: 1.5 }, 'signature'],
      ['template is true', { template: true }, 'template'],
      ['template is huge', { template: 1e300 }, 'template'],
    ])('%s → 422 naming %s', async (_what, change, fieldName) => {
      const res = await post({ ...valid(), ...change });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('validation_failed');
      expect(Object.keys(res.body.error.fields)).toContain(fieldName);
    });

    test('at most 10 malformed recipients are named', async () => {
      const res = await post({ ...valid(), recipients: Array.from({ length: 50 }, () => ({ phone: 1 })) });
      expect(res.status).toBe(422);
      expect(Object.keys(res.body.error.fields)).toHaveLength(10);
    });

    test.each([
      ['not JSON', 'application/json', '{"signature": 1,', 400, 'bad_request'],
      ['a JSON string', 'application/json', '"hello"', 400, 'bad_request'],
      ['a JSON array', 'application/json', '[1,2]', 422, 'validation_failed'],
      ['JSON null', 'application/json', 'null', 400, 'bad_request'],
      ['plain text', 'text/plain', 'signature=1', 422, 'validation_failed'],
      ['a form', 'application/x-www-form-urlencoded', 'signature=1&template=2', 422, 'validation_failed'],
      ['no body', undefined, undefined, 422, 'validation_failed'],
      ['a charset JSON does not use', 'application/json; charset=latin-9', '{}', 415, 'bad_request'],
    ])('%s → %i', async (_what, type, body, status, code) => {
      let req = post(undefined);
      if (type) req = req.set('Content-Type', type);
      const res = await (body === undefined ? req : req.send(body));
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
    });

    test('a body over 20 MB is a 413 JSON error', async () => {
      const res = await post(undefined).set('Content-Type', 'application/json').send('{"x":"' + 'a'.repeat(21 * 1024 * 1024) + '"}');
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('too_large');
    });
  });
});
