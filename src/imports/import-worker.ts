/**
 * Runs an import off the main thread (issue 3: "Parsing runs off the main thread (a worker_threads worker with
 * resourceLimits)"), so the rest of the app keeps answering while a 100,000-row file is read and checked.
 *
 * One short-lived worker per file: its memory is returned to the system when it ends (with the allocator setting
 * `npm start` uses, see the README), and a file that crashes or exhausts it takes down only that worker, which is
 * reported as `corrupt` with the reason in `params.reason`. (Reusing one worker was tried: it kept 60-100 MB more.)
 * A caller's buffer is copied into the worker (a few milliseconds for 10 MB), never detached, so it stays usable; an
 * uploaded file is passed by its path and read by the worker. How many workers run at once is up to import-gate.ts.
 */
import path from 'node:path';
import { workerEntry } from '../workers/worker-entry';
import { ChunkSpool, releaseChunks } from '../drafts/chunk-spool';
import type { PackedChunkList } from '../drafts/recipient-chunks';
import type { CheckContext, InputRow, InvalidRow } from '../sms/recipient-check';
import { DEFAULT_TIMEOUT_MS, type CheckedFile, type ImportError, type ImportLimits, type ParsedFile, type ProgressListener } from './import-types';
import type { ApiTaskHead, ContextMessage, DoneResult, JobMessage, WorkerJob, WorkerMessage, WorkerSource } from './worker-protocol';
import type { ImportGate } from './import-gate';
import type { OptOutKeys } from '../opt-outs/opt-out-screen';
import { prepareImportThread, takeImportThread } from './spare-import-thread';

/**
 * Enough for a 10 MB .xlsx of 100,000 rows (about 250 MB at peak) with room to spare; a file needing more is
 * refused rather than allowed to grow the server's memory. The young generation is kept small: parsing makes
 * mostly short-lived garbage, and 16 MB rather than 64 takes about 50-60 MB off the process's peak RSS during a
 * 100,000-row import (.xlsx and .csv alike) with no measurable change in time (`npm run bench`).
 */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 16 };

function crashed(reason: string, detail?: string): { ok: false; error: ImportError } {
  const params: Record<string, string> = { reason };
  if (detail) params.detail = detail.slice(0, 200);
  return { ok: false, error: { code: 'corrupt', params } };
}

interface Collected {
  result: DoneResult;
  rows: InputRow[];
  /** Packed valid recipients (src/drafts/recipient-chunks.ts), in order. */
  recipientChunks: PackedChunkList;
  invalid: InvalidRow[];
}

/**
 * Given an API body's other fields, the context to check its recipients against (with the opt-out list to leave
 * out, when the template's type is checked against it), or null to stop there.
 */
export type HeadListener = (head: ApiTaskHead) => Promise<(CheckContext & { optOuts?: OptOutKeys }) | null>;

/** The import thread's code and limits (a spare is started with the same: spare-import-thread.ts). */
export function importThreadOptions() {
  const entry = workerEntry(__filename, 'import.worker');
  return { file: entry.file, execArgv: entry.execArgv, resourceLimits: RESOURCE_LIMITS };
}

/** Starts an import thread now, so that the next file's import does not wait for one to start (issue 15). */
export function prepareImportWorker(): void {
  prepareImportThread(importThreadOptions());
}

function runWorker(job: WorkerJob, transfer: ArrayBuffer[], onProgress?: ProgressListener, onHead?: HeadListener, spool: Spooling = {}): Promise<Collected> {
  const lists = { rows: [] as unknown[], invalid: [] as unknown[] };
  // Issue 15: past a budget the chunks go to a file as they come, so the main thread never holds a million rows' worth.
  const recipientChunks = spool.spoolDir ? new ChunkSpool(spool.spoolDir, spool.spoolMemoryBytes) : ([] as Buffer[]);

  return new Promise((resolve) => {
    // Issue 15: started ahead of the file when a spare is ready; its job comes by message.
    const worker = takeImportThread(importThreadOptions());
    worker.postMessage({ type: 'job', job } satisfies JobMessage, transfer);
    let settled = false;
    const settle = (result: DoneResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      prepareImportThread(importThreadOptions());
      if (!result.ok) releaseChunks(recipientChunks);
      resolve({
        result,
        rows: lists.rows as InputRow[],
        recipientChunks,
        invalid: lists.invalid as InvalidRow[],
      });
    };
    const timer = setTimeout(() => settle(crashed('timeout')), job.limits.timeoutMs ?? DEFAULT_TIMEOUT_MS);

    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.progress);
      else if (message.type === 'recipients') recipientChunks.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
      else if (message.type === 'chunk') {
        const target = lists[message.list];
        for (const item of message.items) target.push(item);
      } else if (message.type === 'head') {
        const answer = onHead ? onHead(message.head) : Promise.resolve(null);
        answer.then(
          (ctx) => {
            if (ctx) worker.postMessage({ type: 'ctx', ctx: checkOnly(ctx), optOuts: ctx.optOuts } satisfies ContextMessage);
            else settle({ ok: false, error: { code: 'corrupt', params: { reason: 'refused' } } });
          },
          (err: Error) => settle(crashed('head_refused', err.message)),
        );
      } else settle(message.result);
    });
    worker.on('error', (err: NodeJS.ErrnoException) => {
      settle(crashed(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'worker_out_of_memory' : 'worker_crashed', err.message));
    });
    worker.on('exit', (code) => settle(crashed('worker_crashed', `exit code ${code}`)));
  });
}

export interface RunOptions {
  onProgress?: ProgressListener;
  /** The process-wide cap on workers: without it the worker starts at once (tests, the bench's floor). */
  gate?: ImportGate;
  /** The request is gone: an import still waiting for a worker is dropped. */
  signal?: AbortSignal;
  /** Issue 14: opted-out recipients are refused rows in the worker and never packed (parseAndCheck). */
  optOuts?: OptOutKeys;
  /**
   * Where a large pack's chunks are spooled (chunk-spool.ts): an uploaded file's own folder unless given. Without
   * one (a buffer's import) they are all held in memory.
   */
  spoolDir?: string;
  /** How much of the pack is held in memory before the spool's file is used (DEFAULT_SPOOL_MEMORY_BYTES). */
  spoolMemoryBytes?: number;
}

type Spooling = Pick<RunOptions, 'spoolDir' | 'spoolMemoryBytes'>;

/** A copy of the bytes in an ArrayBuffer of their own, to transfer: a Buffer may be a view into a larger, shared allocation. */
function transferableCopy(buf: Buffer): ArrayBuffer {
  return Uint8Array.prototype.slice.call(buf).buffer as ArrayBuffer;
}

function bufferSource(buf: Buffer): { source: WorkerSource; transfer: ArrayBuffer[] } {
  const buffer = transferableCopy(buf);
  return { source: { kind: 'buffer', buffer }, transfer: [buffer] };
}

/** Runs the worker once the gate lets it; `busy` when the queue is full. The queue is heard as the `waiting` phase. */
async function gated(job: WorkerJob, transfer: ArrayBuffer[], options: RunOptions, onHead?: HeadListener): Promise<Collected> {
  const { gate, onProgress, signal } = options;
  if (!gate) return runWorker(job, transfer, onProgress, onHead, options);
  const outcome = await gate.run(() => runWorker(job, transfer, onProgress, onHead, options), {
    signal,
    onWaiting: (ahead) => onProgress?.({ phase: 'waiting', ahead }),
  });
  if (outcome.ok) return outcome.value;
  const result: DoneResult = outcome.reason === 'busy' ? { ok: false, error: { code: 'busy' } } : crashed('aborted');
  return { result, rows: [], recipientChunks: [], invalid: [] };
}

/**
 * parseImportBuffer in a worker thread: the file's rows, numbered as in the file. `onProgress` hears the phases
 * (`reading`, then `sending` while rows come back).
 */
export async function parseImportFile(
  buf: Buffer,
  fileName: string,
  limits: ImportLimits,
  onProgress?: ProgressListener,
): Promise<ParsedFile> {
  const { source, transfer } = bufferSource(buf);
  const { result, rows } = await runWorker({ source, fileName, limits }, transfer, onProgress);
  if (!result.ok) return result;
  return { ok: true, format: result.format, headerSkipped: result.headerSkipped, rows };
}

/**
 * Parse and check in one worker trip (what the send form uses): only the report comes back, and the 100,000-row
 * check runs off the main thread too. The file is a buffer, or the path of an uploaded file, which the worker reads
 * itself. `onProgress` hears `waiting` (behind other imports), `reading`, `checking` (done/total rows), `sending`.
 */
export async function parseAndCheck(
  file: Buffer | { path: string },
  fileName: string,
  limits: ImportLimits,
  ctx: CheckContext,
  options: RunOptions = {},
): Promise<CheckedFile> {
  const { source, transfer } = Buffer.isBuffer(file) ? bufferSource(file) : { source: { kind: 'file', path: file.path } as WorkerSource, transfer: [] };
  const spoolDir = options.spoolDir ?? (Buffer.isBuffer(file) ? undefined : path.dirname(file.path));
  return collectChecked(await gated({ source, fileName, limits, ctx: checkOnly(ctx), optOuts: options.optOuts }, transfer, { ...options, spoolDir }));
}

/**
 * A `POST /api/v1/tasks` body as received (UTF-8 JSON bytes, see src/middleware/raw-body.ts), parsed, judged and
 * checked in a worker, so that neither the parsing of 100,000 recipients nor their check runs on the main thread.
 * The worker sends the body's other fields to `onHead`, which resolves the signature and template (the database
 * is the main thread's) and answers with the context to check against, or null to stop. Failures: `corrupt` with
 * `reason` `not_json`, `invalid_body` (with `fields`) or `refused` (onHead said no), and `busy`.
 */
export async function checkApiBodyOffThread(
  body: Buffer,
  request: { now: Date; horizonDays: number; limits: ImportLimits },
  onHead: HeadListener,
  options: RunOptions = {},
): Promise<CheckedFile> {
  const buffer = transferableCopy(body);
  const source: WorkerSource = { kind: 'apiBody', buffer, now: request.now.getTime(), horizonDays: request.horizonDays };
  return collectChecked(await gated({ source, fileName: '', limits: request.limits }, [buffer], options, onHead));
}

/** Only the two strings the check needs cross to the worker (the caller's object may carry more). */
function checkOnly(ctx: CheckContext): CheckContext {
  return { signature: ctx.signature, templateContent: ctx.templateContent };
}

function collectChecked({ result, recipientChunks, invalid }: Collected): CheckedFile {
  if (!result.ok) return result;
  if (!result.report || !result.recipients) {
    releaseChunks(recipientChunks);
    return crashed('worker_crashed', 'no report');
  }
  return {
    ok: true,
    format: result.format,
    headerSkipped: result.headerSkipped,
    report: { ...result.report, invalid },
    recipients: { ...result.recipients, chunks: recipientChunks },
  };
}
