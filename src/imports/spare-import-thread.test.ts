import { once } from 'node:events';
import { importThreadOptions, parseAndCheck, prepareImportWorker } from './import-worker';
import { endSpareImportThread, takeImportThread } from './spare-import-thread';
import type { WorkerMessage } from './worker-protocol';

afterEach(() => endSpareImportThread());

const LIMITS = { maxRows: 1000, maxBytes: 1_000_000 };
const CTX = { signature: '顺丰', templateContent: '您好{1}' };
const csv = () => Buffer.from('手机号码,姓名\r\n13800138000,张三\r\n12800138000,李四\r\n', 'utf8');

test('a thread started ahead of its file runs the job it is given by message', async () => {
  prepareImportWorker();
  const worker = takeImportThread(importThreadOptions());
  const buffer = Uint8Array.prototype.slice.call(csv()).buffer as ArrayBuffer;
  const messages: WorkerMessage[] = [];
  worker.on('message', (m: WorkerMessage) => messages.push(m));
  worker.postMessage({ type: 'job', job: { source: { kind: 'buffer', buffer }, fileName: 'a.csv', limits: LIMITS, ctx: CTX } }, [buffer]);
  while (!messages.some((m) => m.type === 'done')) await once(worker, 'message');
  await worker.terminate();
  const done = messages.find((m) => m.type === 'done') as Extract<WorkerMessage, { type: 'done' }>;
  expect(done.result).toMatchObject({ ok: true, format: 'csv', headerSkipped: true, recipients: { count: 1 } });
});

test('imports one after another each get a thread of their own, the spare ready before the next one', async () => {
  for (let i = 0; i < 3; i += 1) {
    const checked = await parseAndCheck(csv(), 'a.csv', LIMITS, CTX);
    expect(checked).toMatchObject({ ok: true, recipients: { count: 1 } });
    if (checked.ok) expect(checked.report.invalid.map((r) => r.rowNumber)).toEqual([3]);
  }
});
