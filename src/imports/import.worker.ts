/**
 * The worker thread's side of import-worker.ts: parses (and checks) one file, then sends the result back in chunks.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { checkRecipients } from '../sms/recipient-check';
import { parseImportBuffer } from './import-parse';
import type { ImportProgress, ParsedFile } from './import-types';
import { parseApiTaskBody } from '../validators/api.validators';
import type { FieldErrors } from '../validators/validation';
import type { CheckContext } from '../sms/recipient-check';
import { packRecipients } from '../drafts/recipient-chunks';
import { CHUNK_ROWS, type ContextMessage, type WorkerJob, type WorkerMessage } from './worker-protocol';

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
function readSource(job: WorkerJob): ParsedFile {
  const { source } = job;
  if (source.kind === 'apiBody') throw new Error('an API body is read by readApiBody');
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

/**
 * An API body: parsed and judged here (`not_json`, or `fields` naming what is wrong), then its other fields go to the
 * main thread, which answers with the signature and template to check against (or ends this worker).
 */
async function readApiBody(job: WorkerJob, source: Extract<WorkerJob['source'], { kind: 'apiBody' }>): Promise<{ parsed: ParsedFile; ctx?: CheckContext; fields?: FieldErrors }> {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(source.buffer).toString('utf8'));
  } catch {
    return { parsed: { ok: false, error: { code: 'corrupt', params: { reason: 'not_json' } } } };
  }
  const input = parseApiTaskBody(body, { now: new Date(source.now), horizonDays: source.horizonDays, maxRows: job.limits.maxRows });
  if (!input.ok) return { parsed: { ok: false, error: { code: 'corrupt', params: { reason: 'invalid_body' } } }, fields: input.errors };
  const { rows, ...head } = input.value;
  const answer = new Promise<ContextMessage>((resolve) => parentPort!.once('message', resolve));
  post({ type: 'head', head });
  const { ctx } = await answer;
  return { parsed: { ok: true, format: 'csv', headerSkipped: false, rows }, ctx };
}

async function run(job: WorkerJob): Promise<void> {
  const api = job.source.kind === 'apiBody' ? await readApiBody(job, job.source) : undefined;
  const parsed = api ? api.parsed : readSource(job);
  const ctx = api ? api.ctx : job.ctx;
  if (!parsed.ok) {
    post({ type: 'done', result: api?.fields ? { ...parsed, fields: api.fields } : parsed });
    return;
  }
  const { format, headerSkipped, rows } = parsed;
  if (ctx === undefined) {
    progress({ phase: 'sending', total: rows.length });
    sendInChunks('rows', rows);
    post({ type: 'done', result: { ok: true, format, headerSkipped } });
    return;
  }
  const total = rows.length;
  progress({ phase: 'checking', done: 0, total });
  const report = checkRecipients(rows, ctx, { onProgress: (done) => progress({ phase: 'checking', done, total }) });
  progress({ phase: 'sending', total: report.valid.length + report.invalid.length });
  const { valid, ...summary } = report;
  const packed = packRecipients(valid);
  for (const chunk of packed.chunks) {
    // A big chunk has an ArrayBuffer of its own and is moved; a small one may sit in Node's shared pool and is copied.
    const own = chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.byteLength;
    post({ type: 'recipients', chunk }, own ? [chunk.buffer as ArrayBuffer] : []);
  }
  sendInChunks('invalid', report.invalid);
  post({ type: 'done', result: { ok: true, format, headerSkipped, report: { ...summary, invalid: [] }, recipients: { count: packed.count, totalChars: packed.totalChars, phones: packed.phones } } });
}

void run(workerData as WorkerJob);
