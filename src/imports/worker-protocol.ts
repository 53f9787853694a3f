/**
 * The messages between import-worker.ts (main thread) and import.worker.ts (worker thread).
 *
 * Results come back in chunks so that the main thread deserialises a little at a time between other requests.
 * Valid recipients, the bulk of a report, travel already packed as the draft stores them (src/drafts/
 * recipient-chunks.ts): UTF-8 JSON bytes per 5,000 recipients, which the main thread stores as they are, instead of
 * 100,000 objects to clone, rebuild and serialise again on the thread that serves every other request.
 */
import type { CheckContext } from '../sms/recipient-check';
import type { CheckSummary } from '../drafts/recipient-chunks';
import type { FieldErrors } from '../validators/validation';
import type { ApiTaskInput } from '../validators/api.validators';
import type { OptOutKeys, OptOutsScreened } from '../opt-outs/opt-out-screen';

export type ApiTaskHead = Omit<ApiTaskInput, 'rows'>;
import type { ImportError, ImportFormat, ImportLimits, ImportProgress } from './import-types';

/**
 * What the worker reads: a file's bytes handed over, an uploaded file it reads from disk itself (so the main thread
 * never holds it), or the body of an API create.
 */
export type WorkerSource =
  | { kind: 'buffer'; buffer: ArrayBuffer }
  | { kind: 'file'; path: string }
  /**
   * The API's request body as received (UTF-8 JSON), parsed and judged in the worker (api.validators.ts, with the
   * time and schedule horizon given): it sends back the `head` and waits for the check's context (`ctx` message).
   */
  | { kind: 'apiBody'; buffer: ArrayBuffer; now: number; horizonDays: number };

export interface WorkerJob {
  source: WorkerSource;
  fileName: string;
  limits: ImportLimits;
  /** Present when the rows are to be checked in the worker too (for an API body, it comes in a `ContextMessage`). */
  ctx?: CheckContext;
  /** Issue 14: the opt-out list to leave out of the pack (shared memory), when the task's type is checked against it. */
  optOuts?: OptOutKeys;
}

export type DoneResult =
  | { ok: true; format: ImportFormat; headerSkipped: boolean; report?: CheckSummary; recipients?: { count: number; totalChars: number; phones?: string; optOutsScreened?: OptOutsScreened } }
  /** `fields`: recipients of an API body that are not `{ phone, params? }` (api.validators.ts), by field. */
  | { ok: false; error: ImportError; fields?: FieldErrors };

export type WorkerMessage =
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'chunk'; list: 'rows' | 'invalid'; items: unknown[] }
  /** A packed chunk of valid recipients, in order (its memory is transferred, not copied). */
  | { type: 'recipients'; chunk: Uint8Array }
  | { type: 'done'; result: DoneResult }
  /** An API body's fields but its recipients, judged good; the worker then waits for a `ContextMessage`. */
  | { type: 'head'; head: ApiTaskHead };

/** Issue 15: a thread started ahead of its file (spare-import-thread.ts) is given its job by message. */
export interface JobMessage {
  type: 'job';
  job: WorkerJob;
}

/** The main thread's answer to a `head`: the signature and template the recipients are checked against. */
export interface ContextMessage {
  type: 'ctx';
  ctx: CheckContext;
  optOuts?: OptOutKeys;
}

export const CHUNK_ROWS = 10_000;
