/**
 * The worker thread's side of import-worker.ts: parses (and checks) one file, then sends the result back in chunks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkRecipients } from '../sms/recipient-check';
import { parseImportBuffer } from './import-parse';
import type { ImportProgress } from './import-types';
import { packRecipients } from '../drafts/recipient-chunks';
import { CHUNK_ROWS, type WorkerJob, type WorkerMessage } from './worker-protocol';

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

function progress(value: ImportProgress): void {
  post({ type: 'progress', progress: value });
}

function sendInChunks(list: 'rows' | 'invalid', items: readonly unknown[]): void {
  for (let from = 0; from < items.length; from += CHUNK_ROWS) {
    post({ type: 'chunk', list, items: items.slice(from, from + CHUNK_ROWS) });
  }
}

function run(job: WorkerJob): void {
  const parsed = parseImportBuffer(Buffer.from(job.buffer), job.fileName, job.limits, progress);
  if (!parsed.ok) {
    post({ type: 'done', result: parsed });
    return;
  }
  const { format, headerSkipped, rows } = parsed;
  if (job.ctx === undefined) {
    progress({ phase: 'sending', total: rows.length });
    sendInChunks('rows', rows);
    post({ type: 'done', result: { ok: true, format, headerSkipped } });
    return;
  }
  const total = rows.length;
  progress({ phase: 'checking', done: 0, total });
  const report = checkRecipients(rows, job.ctx, { onProgress: (done) => progress({ phase: 'checking', done, total }) });
  progress({ phase: 'sending', total: report.valid.length + report.invalid.length });
  const { valid, ...summary } = report;
  const packed = packRecipients(valid);
  for (const chunk of packed.chunks) {
    // A big chunk has an ArrayBuffer of its own and is moved; a small one may sit in Node's shared pool and is copied.
    const own = chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.byteLength;
    post({ type: 'recipients', chunk }, own ? [chunk.buffer as ArrayBuffer] : []);
  }
  sendInChunks('invalid', report.invalid);
  post({ type: 'done', result: { ok: true, format, headerSkipped, report: { ...summary, invalid: [] }, recipients: { count: packed.count, totalChars: packed.totalChars } } });
}

run(workerData as WorkerJob);
