/**
 * The worker thread's side of import-worker.ts: parses (and checks) one file, then sends the result back in chunks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkRecipients } from '../sms/recipient-check';
import { parseImportBuffer } from './import-parse';
import type { ImportProgress } from './import-types';
import { CHUNK_ROWS, packValid, transferablesOf, type WorkerJob, type WorkerMessage } from './worker-protocol';

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
  for (let from = 0; from < report.valid.length; from += CHUNK_ROWS) {
    const columns = packValid(report.valid.slice(from, from + CHUNK_ROWS));
    post({ type: 'valid', columns }, transferablesOf(columns));
  }
  sendInChunks('invalid', report.invalid);
  post({ type: 'done', result: { ok: true, format, headerSkipped, report: { ...report, valid: [], invalid: [] } } });
}

run(workerData as WorkerJob);
