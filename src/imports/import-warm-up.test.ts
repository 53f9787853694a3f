import { once } from 'node:events';
import { WARM_UP_DELAY_MS, warmUpImportCode } from './import-warm-up';
import { importThreadOptions, prepareImportWorker } from './import-worker';
import { endSpareImportThread, takeImportThread } from './spare-import-thread';
import type { WorkerMessage } from './worker-protocol';

afterEach(() => endSpareImportThread());

const ended = (stopped: () => boolean) => new Promise<number>((resolve) => warmUpImportCode(stopped, resolve));

describe('warmUpImportCode (issue 15: a spare import thread warms the import code up)', () => {
  it('runs all its slices when no job comes', async () => {
    expect(await ended(() => false)).toBe(20);
  });

  it('stops at the next slice once a job has come, and runs none when it came first', async () => {
    let slices = 0;
    expect(await ended(() => ++slices > 3)).toBe(3);
    expect(await ended(() => true)).toBe(0);
  });
});

test('a spare thread given its job in the middle of its warm-up answers it in full', async () => {
  prepareImportWorker();
  // The spare's warm-up is under way (it begins WARM_UP_DELAY_MS after the thread starts).
  await new Promise((resolve) => setTimeout(resolve, WARM_UP_DELAY_MS + 20));
  const worker = takeImportThread(importThreadOptions());
  const rows = Array.from({ length: 3000 }, (_, i) => `1390013${String(i).padStart(4, '0')},客户${i}`);
  const csv = Buffer.from(['手机号码,姓名', ...rows, '12800138000,坏号码'].join('\r\n'), 'utf8');
  const buffer = Uint8Array.prototype.slice.call(csv).buffer as ArrayBuffer;
  const messages: WorkerMessage[] = [];
  worker.on('message', (m: WorkerMessage) => messages.push(m));
  const job = { source: { kind: 'buffer', buffer }, fileName: 'a.csv', limits: { maxRows: 5000, maxBytes: 1_000_000 }, ctx: { signature: '顺丰', templateContent: '您好{1}' } };
  worker.postMessage({ type: 'job', job }, [buffer]);
  while (!messages.some((m) => m.type === 'done')) await once(worker, 'message');
  await worker.terminate();
  const done = messages.find((m) => m.type === 'done') as Extract<WorkerMessage, { type: 'done' }>;
  expect(done.result).toMatchObject({ ok: true, format: 'csv', headerSkipped: true, recipients: { count: 3000 }, report: { rowsRead: 3001 } });
  const packed = messages.filter((m) => m.type === 'recipients').map((m) => JSON.parse(Buffer.from((m as { chunk: Uint8Array }).chunk).toString('utf8')) as unknown[][]);
  expect(packed.flat().map((row) => row[1])).toEqual(rows.map((line) => line.slice(0, 11)));
});
