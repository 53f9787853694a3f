import request from 'supertest';
import { addUser, makeTestApp, type TestApp } from '../helpers/app';
import { createApiKey, revokeKey } from '../../src/services/api-keys.service';

let t: TestApp;
let key: string;
let keyId: number;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  ({ key, id: keyId } = await createApiKey(t.db, { name: 'crm', createdBy: 1 }));
});
afterAll(() => t.close());

const auth = (r: request.Test, k = key) => r.set('Authorization', `Bearer ${k}`);

describe('/api/v1/opt-outs', () => {
  test('POST adds a number (201), source api, the key and its admin recorded; again: 200, added false', async () => {
    const res = await auth(request(t.app).post('/api/v1/opt-outs')).send({ phone: '8613800138000', reason: 'CRM unsubscribe' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ opt_out: { phone: '13800138000', source: 'api', reason: 'CRM unsubscribe', created_at: expect.any(String), inbound_message_id: null }, added: true });
    expect(await t.db('opt_out_history').where({ phone: '13800138000' }).select('action', 'source', 'user_id', 'api_key_id')).toEqual([{ action: 'add', source: 'api', user_id: 1, api_key_id: keyId }]);
    const again = await auth(request(t.app).post('/api/v1/opt-outs')).send({ phone: '13800138000' });
    expect(again.status).toBe(200);
    expect(again.body.added).toBe(false);
  });

  test.each([
    [{ phone: 13800138000 }, 'phone', 'phone must be a string.'],
    [{ phone: '12345' }, 'phone', 'Not a mainland mobile number.'],
    [{ phone: '13800138001', reason: 7 }, 'reason', 'The reason must be text.'],
    [{ phone: '13800138001', reason: 'x'.repeat(201) }, 'reason', 'At most 200 characters.'],
  ])('POST %j: 422 validation_failed naming the field', async (body, fieldName, message) => {
    const res = await auth(request(t.app).post('/api/v1/opt-outs')).send(body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields[fieldName]).toBe(message);
  });

  test('POST with a body that is not JSON: 400 bad_request; no key: 401; a revoked key: 401', async () => {
    const bad = await auth(request(t.app).post('/api/v1/opt-outs')).set('Content-Type', 'application/json').send('{nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_request');
    expect((await request(t.app).get('/api/v1/opt-outs')).body.error.code).toBe('missing_api_key');
    const other = await createApiKey(t.db, { name: 'old', createdBy: 1 });
    await revokeKey(t.db, other.id);
    expect((await auth(request(t.app).get('/api/v1/opt-outs'), other.key)).body.error.code).toBe('invalid_api_key');
  });

  test('GET lists by number, keyset-paged, and filters by first digits; bad parameters are 400s', async () => {
    for (const phone of ['13900139001', '13900139002', '13900139003']) await auth(request(t.app).post('/api/v1/opt-outs')).send({ phone });
    const first = await auth(request(t.app).get('/api/v1/opt-outs?phone=1390&limit=2'));
    expect(first.status).toBe(200);
    expect(first.body.opt_outs.map((o: { phone: string }) => o.phone)).toEqual(['13900139001', '13900139002']);
    expect(first.body.next_after).toBe('13900139002');
    const second = await auth(request(t.app).get(`/api/v1/opt-outs?phone=1390&limit=2&after=${first.body.next_after}`));
    expect(second.body).toEqual({ opt_outs: [expect.objectContaining({ phone: '13900139003' })], next_after: null });
    expect((await auth(request(t.app).get('/api/v1/opt-outs?limit=0'))).body.error.code).toBe('invalid_limit');
    expect((await auth(request(t.app).get('/api/v1/opt-outs?phone=abc'))).body.error.code).toBe('invalid_phone');
    expect((await auth(request(t.app).get('/api/v1/opt-outs?phone=1&phone=2'))).body.error.code).toBe('invalid_phone');
  });

  test('GET one number: the row and its history; 404 not_found when it is not listed', async () => {
    const res = await auth(request(t.app).get('/api/v1/opt-outs/13800138000'));
    expect(res.status).toBe(200);
    expect(res.body.history).toEqual([expect.objectContaining({ action: 'add', source: 'api', user: 'admin', api_key_id: keyId })]);
    const missing = await auth(request(t.app).get('/api/v1/opt-outs/13700137000'));
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  test('DELETE needs a reason (body or ?reason=), records it, then 404 for a number not listed', async () => {
    const noReason = await auth(request(t.app).delete('/api/v1/opt-outs/13900139001'));
    expect(noReason.status).toBe(422);
    expect(noReason.body.error.fields.reason).toBe('This field is required.');
    const res = await auth(request(t.app).delete('/api/v1/opt-outs/13900139001')).send({ reason: 'customer re-subscribed' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ removed: { phone: '13900139001' } });
    const byQuery = await auth(request(t.app).delete('/api/v1/opt-outs/13900139002?reason=resubscribed'));
    expect(byQuery.status).toBe(200);
    expect(await t.db('opt_outs').whereIn('phone', ['13900139001', '13900139002']).count({ n: '*' }).first()).toEqual({ n: 0 });
    expect(await t.db('opt_out_history').where({ phone: '13900139001', action: 'remove' }).select('source', 'reason', 'api_key_id')).toEqual([{ source: 'api', reason: 'customer re-subscribed', api_key_id: keyId }]);
    const again = await auth(request(t.app).delete('/api/v1/opt-outs/13900139001')).send({ reason: 'again' });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
  });
});
