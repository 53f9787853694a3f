/**
 * The worker thread's side of import-worker.ts: parses (and checks) one file, then sends the result back in chunks.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { RecipientChecker } from '../sms/recipient-check';
import { parseImportBuffer, type RowListener } from './import-parse';
import type { ImportProgress, ParsedFile } from './import-types';
import { parseApiTaskBody } from '../validators/api.validators';
import type { FieldErrors } from '../validators/validation';
import type { CheckContext } from '../sms/recipient-check';
import { RecipientPacker } from '../drafts/recipient-chunks';
import { OptOutScreen, type OptOutKeys } from '../opt-outs/opt-out-screen';
import { warmUpImportCode } from './import-warm-up';
import { CHUNK_ROWS, type ContextMessage, type JobMessage, type WorkerJob, type WorkerMessage } from './worker-protocol';

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
function readSource(job: WorkerJob, onRow?: RowListener): ParsedFile {
  const { source } = job;
  if (source.kind === 'apiBody') throw new Error('an API body is read by readApiBody');
  // The bytes are this thread's own (transferred, or read here): the parser may let them go once unpacked.
  if (source.kind === 'buffer') return parseImportBuffer(Buffer.from(source.buffer), job.fileName, job.limits, progress, onRow, { ownsBuffer: true });
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
    return parseImportBuffer(buf.subarray(0, at), job.fileName, job.limits, progress, onRow, { ownsBuffer: true });
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * An API body: parsed and judged here (`not_json`, or `fields` naming what is wrong), then its other fields go to the
 * main thread, which answers with the signature and template to check against (or ends this worker).
 */
async function readApiBody(job: WorkerJob, source: Extract<WorkerJob['source'], { kind: 'apiBody' }>): Promise<{ parsed: ParsedFile; ctx?: CheckContext; optOuts?: OptOutKeys; fields?: FieldErrors }> {
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
  const { ctx, optOuts } = await answer;
  return { parsed: { ok: true, format: 'csv', headerSkipped: false, rows }, ctx, optOuts };
}

function postRecipients(chunk: Buffer): void {
  // A big chunk has an ArrayBuffer of its own and is moved; a small one may sit in Node's shared pool and is copied.
  const own = chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.byteLength;
  post({ type: 'recipients', chunk }, own ? [chunk.buffer as ArrayBuffer] : []);
}

/**
 * Issue 15: the rows are checked as they are read and the valid ones packed and sent as each chunk fills, so the
 * worker never holds every row (nor every recipient) at once. A file refused part-way (too many rows, a broken
 * quote) has sent chunks for nothing; the main thread drops them with the refusal.
 */
function checkWhileReading(job: WorkerJob, ctx: CheckContext, given?: Extract<ParsedFile, { ok: true }>, optOuts = job.optOuts): void {
  const rows = given?.rows;
  const packer = new RecipientPacker(postRecipients);
  // Issue 14: an opted-out recipient is a refused row here, so it never enters the pack.
  const screen = optOuts ? new OptOutScreen(optOuts) : null;
  const checker = new RecipientChecker(ctx, {
    onValid: (recipient) => {
      if (!screen?.refuses(recipient)) packer.add(recipient);
    },
    onProgress: (done) => progress({ phase: 'checking', done, total: rows?.length }),
  });
  let parsed: ParsedFile;
  if (rows) {
    progress({ phase: 'checking', done: 0, total: rows.length });
    for (const row of rows) checker.add(row);
    parsed = given!;
  } else {
    let first = true;
    parsed = readSource(job, (row) => {
      // Reading and checking now go together: the check is heard from the first row on.
      if (first) progress({ phase: 'checking', done: 0 });
      first = false;
      checker.add(row);
    });
  }
  if (!parsed.ok) {
    post({ type: 'done', result: parsed });
    return;
  }
  const { valid: _none, ...checked } = checker.finish();
  const { summary, screened } = screen ? screen.finish(checked) : { summary: checked, screened: undefined };
  const packed = screened ? { ...packer.finish(), optOutsScreened: screened } : packer.finish();
  progress({ phase: 'sending', total: packed.count + summary.invalid.length });
  sendInChunks('invalid', summary.invalid);
  const { format, headerSkipped } = parsed;
  post({ type: 'done', result: { ok: true, format, headerSkipped, report: { ...summary, invalid: [] }, recipients: packed } });
}

async function run(job: WorkerJob): Promise<void> {
  if (job.source.kind === 'apiBody') {
    const api = await readApiBody(job, job.source);
    if (!api.parsed.ok) post({ type: 'done', result: api.fields ? { ...api.parsed, fields: api.fields } : api.parsed });
    else if (api.ctx) checkWhileReading(job, api.ctx, api.parsed, api.optOuts);
    return;
  }
  if (job.ctx !== undefined) {
    checkWhileReading(job, job.ctx);
    return;
  }
  const parsed = readSource(job);
  if (!parsed.ok) {
    post({ type: 'done', result: parsed });
    return;
  }
  const { format, headerSkipped, rows } = parsed;
  progress({ phase: 'sending', total: rows.length });
  sendInChunks('rows', rows);
  post({ type: 'done', result: { ok: true, format, headerSkipped } });
}

// A thread started ahead of its file (spare-import-thread.ts) has no workerData: its job comes as the first message,
// and until then it warms the import code up (import-warm-up.ts).
if (workerData) void run(workerData as WorkerJob);
else {
  let jobCame = false;
  parentPort!.once('message', (message: JobMessage) => {
    jobCame = true;
    void run(message.job);
  });
  warmUpImportCode(() => jobCame);
}
