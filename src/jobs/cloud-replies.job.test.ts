import { makeTestApp, type TestApp } from '../../test/helpers/app';
import { FakeTencent } from '../../test/helpers/fake-tencent';
import { createAccount } from '../services/carriers.service';
import { runCloudReplies } from './cloud-replies.job';

let t: TestApp;
let fake: FakeTencent;

beforeAll(async () => {
  t = await makeTestApp();
  fake = await new FakeTencent().start();
});
afterAll(async () => {
  await fake.close();
  await t.close();
});

async function tencent(name: string, secretKey: string) {
  const saved = await createAccount(t.db, t.config.secretKey, {
    name, kind: 'tencent', password: undefined, cloudSecrets: { secret_id: fake.secretId, secret_key: secretKey },
    settings: { endpoint: fake.url, region: 'ap-guangzhou', sdk_app_id: fake.sdkAppId, project_id: '', poll_seconds: 30 },
  });
  if (!saved.ok) throw new Error(name);
  return saved.id;
}

test('pulls each Tencent account\'s replies into the inbox; one refusing account does not stop the others', async () => {
  await tencent('broken', 'wrong-key');
  const good = await tencent('good', fake.secretKey);
  fake.addReply('13900000001', '退订', 1_764_900_000);
  const result = await runCloudReplies(t.db, t.config.secretKey);
  expect(result.stored).toBe(1);
  expect(result.failed).toEqual([expect.stringMatching(/^broken: tencent: AuthFailure\.SignatureFailure/)]);
  expect(await t.db('inbound_messages').select('account_id', 'phone', 'text')).toEqual([{ account_id: good, phone: '13900000001', text: '退订' }]);
  // Nothing new: nothing stored.
  expect((await runCloudReplies(t.db, t.config.secretKey)).stored).toBe(0);
});
