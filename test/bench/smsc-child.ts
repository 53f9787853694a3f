/**
 * The test SMSC in its own process for `npm run bench -- smpp`, so that on a 2-CPU machine its work is not counted
 * against the client being measured. Speaks over the IPC channel: sends {port} once listening; answers
 * 'count' with {submits}, 'reset' by forgetting its log, 'stop' by closing and exiting.
 */
import { TestSmsc } from '../helpers/smsc';

async function main(): Promise<void> {
  const smsc = await TestSmsc.start();
  const send = (message: unknown) => process.send?.(message);
  process.on('message', (message) => {
    if (message === 'count') send({ submits: smsc.submits.length });
    if (message === 'reset') smsc.submits.length = 0;
    if (message === 'stop') void smsc.close().then(() => process.exit(0));
  });
  send({ port: smsc.port });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
