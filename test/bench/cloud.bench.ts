/**
 * The cloud suite of `npm run bench -- cloud` (issue 11): 100,000 messages through the Tencent fake at 200 numbers
 * per SendSms, 4 calls in flight, against a floor: the same fake called in a bare loop with the same batch size and
 * concurrency (signing and fetch, nothing else). Measured: CloudCarrier.submitBatch (grouping, per-number mapping,
 * the client) given the dispatcher's batches of 800 (4 calls of 200). The dispatcher itself is not in it yet: it is
 * being rewired (README, "Cloud SMS providers"). Target ≤ 1.3× the floor. CLOUD_BENCH_MESSAGES changes the count.
 */
import os from 'node:os';
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { ROOT_DIR } from '../../src/config';
import { tc3Signature, TC3_CONTENT_TYPE } from '../../src/carrier/cloud/tencent.signature';
import { TencentClient, TENCENT_VERSION } from '../../src/carrier/cloud/tencent.client';
import { CloudCarrier, type CloudOutgoingMessage } from '../../src/carrier/cloud/cloud.carrier';
import { fmtMs, fmtRatio, log, table, verdict, type Cell } from './report';

const MESSAGES = Number(process.env.CLOUD_BENCH_MESSAGES ?? 100_000);
const PER_CALL = 200;
const CONCURRENCY = 4;
const TARGET = 1.3;
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

interface Fake { url: string; secretId: string; secretKey: string; sdkAppId: string }

function nextMessage<T>(child: ChildProcess, pick: (message: Record<string, unknown>) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      const value = pick(message as Record<string, unknown>);
      if (value === undefined) return;
      child.off('message', onMessage);
      resolve(value);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the Tencent fake exited (${code})`)));
  });
}

const phone = (n: number) => `139${String(n).padStart(8, '0')}`;

/** The floor: CONCURRENCY workers, each signing and posting SendSms of PER_CALL numbers until all are sent. */
async function bareLoop(fake: Fake): Promise<number> {
  const host = new URL(fake.url).host;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < MESSAGES) {
      const first = next;
      next = Math.min(MESSAGES, next + PER_CALL);
      const numbers: string[] = [];
      for (let n = first; n < next; n++) numbers.push(`+86${phone(n)}`);
      const payload = JSON.stringify({ PhoneNumberSet: numbers, SmsSdkAppId: fake.sdkAppId, TemplateId: '1234567', SignName: '腾讯云', TemplateParamSet: [], SessionContext: `q${first}` });
      const timestamp = Math.floor(Date.now() / 1000);
      const { authorization } = tc3Signature({ secretId: fake.secretId, secretKey: fake.secretKey, service: 'sms', host, payload, timestamp });
      const res = await fetch(fake.url, {
        method: 'POST', body: payload,
        headers: { Authorization: authorization, 'Content-Type': TC3_CONTENT_TYPE, 'X-TC-Action': 'SendSms', 'X-TC-Version': TENCENT_VERSION, 'X-TC-Timestamp': String(timestamp), 'X-TC-Region': 'ap-guangzhou' },
      });
      const body = (await res.json()) as { Response: { SendStatusSet?: unknown[] } };
      if ((body.Response.SendStatusSet ?? []).length !== numbers.length) throw new Error(`the fake did not accept every number: ${JSON.stringify(body).slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return performance.now() - started;
}

/** Through the adapter: batches of CONCURRENCY × PER_CALL, one after another, as a dispatcher would hand them. */
async function throughCarrier(fake: Fake): Promise<{ ms: number; accepted: number }> {
  const client = new TencentClient({ endpoint: fake.url, region: 'ap-guangzhou', sdkAppId: fake.sdkAppId, secretId: fake.secretId, secretKey: fake.secretKey }, { timeoutMs: 30_000 });
  const carrier = new CloudCarrier(client, { name: 'bench', concurrency: CONCURRENCY });
  const batch = CONCURRENCY * PER_CALL;
  let accepted = 0;
  const started = performance.now();
  for (let first = 0; first < MESSAGES; first += batch) {
    const messages: CloudOutgoingMessage[] = [];
    for (let n = first; n < Math.min(MESSAGES, first + batch); n++) {
      messages.push({ id: n + 1, phone: phone(n), content: '【腾讯云】您的快递已到，请及时取件。', cloud: { templateCode: '1234567', signName: '腾讯云', params: [] } });
    }
    const results = await carrier.submitBatch(messages);
    accepted += results.filter((r) => r.accepted).length;
  }
  return { ms: performance.now() - started, accepted };
}

export async function runCloudBench(): Promise<void> {
  log(`qunfa cloud bench: ${MESSAGES} messages through the Tencent fake, ${PER_CALL} per call, ${CONCURRENCY} calls in flight, node ${process.version}, ${os.cpus().length} CPUs, load ${loadavg()}`);
  const child = fork(path.join(ROOT_DIR, 'test', 'bench', 'tencent-child.ts'), [], { cwd: ROOT_DIR, execArgv: ['-r', path.join(ROOT_DIR, 'test', 'helpers', 'register-ts.js')] });
  const rows: Cell[][] = [];
  try {
    const fake = await nextMessage(child, (m) => (typeof m.url === 'string' ? (m as unknown as Fake) : undefined));
    const count = async () => {
      child.send('count');
      return nextMessage(child, (m) => (typeof m.sent === 'number' ? m.sent : undefined));
    };
    // A short warm-up of both paths (JIT, keep-alive sockets), not counted.
    await bareLoop({ ...fake });
    child.send('reset');
    const floorMs = await bareLoop(fake);
    const atFakeFloor = await count();
    child.send('reset');
    log(`  floor: ${fmtMs(floorMs)}, ${((MESSAGES / floorMs) * 1000).toFixed(0)} msgs/s, ${atFakeFloor} at the fake, load ${loadavg()}`);
    const { ms, accepted } = await throughCarrier(fake);
    const atFake = await count();
    log(`  CloudCarrier: ${fmtMs(ms)}, ${((MESSAGES / ms) * 1000).toFixed(0)} msgs/s, ${accepted} accepted, ${atFake} at the fake, load ${loadavg()}`);
    const ratio = ms / floorMs;
    rows.push(['floor (bare loop)', fmtMs(floorMs), `${((MESSAGES / floorMs) * 1000).toFixed(0)}/s`, '', '']);
    rows.push(['CloudCarrier.submitBatch', fmtMs(ms), `${((MESSAGES / ms) * 1000).toFixed(0)}/s`, fmtRatio(ratio), `≤ ${TARGET}× ${verdict(ratio <= TARGET)}`]);
  } finally {
    child.send('stop');
    await once(child, 'exit');
  }
  log(table(['run', 'time', 'rate', 'vs floor', 'target'], rows));
}
