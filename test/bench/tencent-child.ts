/**
 * The Tencent fake in its own process for `npm run bench -- cloud`, so its work is not counted against the client
 * being measured. Over the IPC channel: sends {url, secretId, secretKey, sdkAppId} once listening; answers 'count'
 * with {sent}, 'reset' by forgetting what it was sent, 'stop' by closing and exiting. No receipts are queued.
 */
import { FakeTencent } from '../helpers/fake-tencent';

async function main(): Promise<void> {
  const fake = await new FakeTencent().start();
  fake.autoReceipts = false;
  const send = (message: unknown) => process.send?.(message);
  process.on('message', (message) => {
    if (message === 'count') send({ sent: fake.sent.length });
    if (message === 'reset') fake.sent.length = 0;
    if (message === 'stop') void fake.close().then(() => process.exit(0));
  });
  send({ url: fake.url, secretId: fake.secretId, secretKey: fake.secretKey, sdkAppId: fake.sdkAppId });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
