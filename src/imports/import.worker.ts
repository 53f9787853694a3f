/**
 * The worker thread's side of import-worker.ts: parses (and checks) one file, then sends the result back in chunks.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { checkRecipients } from '../sms/recipient-check';
import { parseImportBuffer } from './import-parse';
import type { ImportError, ImportProgress, ParsedFile } from './import-types';
import { parseApiRecipients } from '../validators/api.validators';
import { hasErrors, type FieldErrors } from '../validators/validation';
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

/**
 * An uploaded file is read here, off the main thread. Its size is looked at before reading, so a file over the limit
 * (it cannot be: multer enforced it) is never loaded.
 */
function readSource(job: WorkerJob): ParsedFile | { ok: false; error: ImportError; fields: FieldErrors } {
  const { source } = job;
  if (source.kind === 'rows') return { ok: true, format: 'csv', headerSkipped: false, rows: source.rows };
  if (source.kind === 'apiBody') {
    // The main thread has parsed this body already and judged all but the recipients' shapes.
    const body = JSON.parse(Buffer.from(source.buffer).toString('utf8')) as { recipients: unknown[] };
    const { rows, errors } = parseApiRecipients(body.recipients);
    if (hasErrors(errors)) return { ok: false, error: { code: 'corrupt', params: { reason: 'recipient_shape' } }, fields: errors };
    return { ok: true, format: 'csv', headerSkipped: false, rows };
  }
  if (source.kind === 'buffer') return parseImportBuffer(Buffer.from(source.buffer), job.fileName, job.limits, progress);
  const fd = fs.openSync(source.path, 'r');
  try {
    const { size } = fs.fstatSync(fd);
    if (size > job.limits.maxBytes) return { ok: false, error: { code: 'too_large', params: { size, max: job.limits.maxBytes } } };
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const n = fs.readSync(fd, buf, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return parseImportBuffer(buf.subarray(0, at), job.fileName, job.limits, progress);
  } finally {
    fs.closeSync(fd);
  }
}

function run(job: WorkerJob): void {
  const parsed = readSource(job);
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
