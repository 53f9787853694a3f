import { addUser, makeTestApp, type TestApp } from '../../test/helpers/app';
import { createAccount } from '../services/carriers.service';
import { addReceiptWaits, anyReceiptWait, removeReceiptWaits, takeReceiptWaitsToAsk } from './cloud-receipt-waits.queries';

let t: TestApp;
let accountId: number;
let otherId: number;

beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  const ids: number[] = [];
  for (const name of ['ali', 'ali2']) {
    const saved = await createAccount(t.db, t.config.secretKey, {
      name, kind: 'aliyun', password: undefined, cloudSecrets: { access_key_id: 'LTAIx', access_key_secret: 's' },
      settings: { endpoint: 'http://127.0.0.1:9', region: '', sdk_app_id: '', project_id: '', poll_seconds: 30 },
    });
    if (!saved.ok) throw new Error(name);
    ids.push(saved.id);
  }
  [accountId, otherId] = ids;
});
afterEach(() => t.close());

const wait = (n: number, sentAt = '2026-12-05T10:00:00.000Z') => ({ carrierMessageId: `q1:1390000000${n}`, phone: `1390000000${n}`, sentAt });

test('asked in turn: never asked first, then the ones asked longest ago; each account its own', async () => {
  await addReceiptWaits(t.db, accountId, [wait(1), wait(2), wait(3)]);
  await addReceiptWaits(t.db, otherId, [wait(9)]);
  const ask = async (at: string) => (await takeReceiptWaitsToAsk(t.db, accountId, 2, at, '2026-12-01T00:00:00.000Z')).map((w) => w.phone);
  expect(await ask('2026-12-05T10:01:00.000Z')).toEqual(['13900000001', '13900000002']);
  expect(await ask('2026-12-05T10:02:00.000Z')).toEqual(['13900000003', '13900000001']);
  // 2 was asked at 10:01, 1 and 3 at 10:02 (equal times go by id).
  expect(await ask('2026-12-05T10:03:00.000Z')).toEqual(['13900000002', '13900000001']);
  expect((await takeReceiptWaitsToAsk(t.db, otherId, 10, '2026-12-05T10:03:00.000Z', '2026-12-01T00:00:00.000Z')).map((w) => w.phone)).toEqual(['13900000009']);
});

test('a repeat is stored once; removed ones are no longer asked; old ones are given up', async () => {
  await addReceiptWaits(t.db, accountId, [wait(1), wait(2, '2026-11-01T00:00:00.000Z')]);
  await addReceiptWaits(t.db, accountId, [wait(1)]);
  expect(await t.db('cloud_receipt_waits').count({ n: '*' }).first()).toEqual({ n: 2 });
  const asked = await takeReceiptWaitsToAsk(t.db, accountId, 10, '2026-12-05T10:01:00.000Z', '2026-12-02T10:00:00.000Z');
  expect(asked).toEqual([wait(1)]);
  await removeReceiptWaits(t.db, accountId, ['q1:13900000001']);
  expect(await anyReceiptWait(t.db, accountId)).toBe(false);
});
