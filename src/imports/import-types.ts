/**
 * The contract between the file readers (this folder, run in a worker thread) and the send form.
 */
import type { InputRow } from '../sms/recipient-check';
import type { CheckSummary, PackedRecipients } from '../drafts/recipient-chunks';
import type { FieldErrors } from '../validators/validation';

export type { InputRow };

export const IMPORT_FORMATS = ['xlsx', 'xls', 'csv', 'txt'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** What the content turned out to be, whatever the file is called. */
export type DetectedContent = 'xlsx' | 'xls' | 'text' | 'zip' | 'ole2' | 'encrypted' | 'binary';

export interface ImportLimits {
  /** Data rows (numbers), not counting a header row. */
  maxRows: number;
  maxBytes: number;
  /** The most an .xlsx may unpack to, all parts together. */
  maxUnpackedBytes?: number;
  /** A worker that has not answered by then is stopped (off-thread calls only). */
  timeoutMs?: number;
}

/**
 * How many rows past the limit a workbook is still read, only to count them: the refusal then says how many numbers
 * the file holds ("12 numbers, the limit is 10"), which is what the user has to cut. Rows past the limit are counted
 * and never kept, and the cap keeps an oversized sheet from being read whole; a sheet declaring more rows than the
 * limit plus this is refused from its dimension, before it is read.
 */
export function countingSlack(maxRows: number): number {
  return Math.min(maxRows, 10_000);
}

export const DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 60_000;

export type ImportErrorCode =
  | 'empty_file'
  | 'no_rows'
  | 'unsupported_type'
  | 'type_mismatch'
  | 'encrypted'
  | 'corrupt'
  | 'zip_bomb'
  | 'sheet_too_large'
  | 'too_many_rows'
  | 'too_large'
  | 'params_in_txt'
  | 'busy';

/**
 * `params` by code (plain strings and numbers; `detail` is for the log, not for users):
 * - unsupported_type: `{ extension }` (e.g. ".pdf", "" when the name has none)
 * - type_mismatch: `{ declared, detected }`: declared is the extension without the dot; detected one of
 *   `xlsx`, `xls`, `text`, `zip` (an archive that is not a workbook), `ole2` (an old Office file that is not a workbook)
 * - corrupt: `{ reason }` for the log: `unrecognised_content`, `damaged_zip`, `unreadable_workbook`, `not_text`,
 *   `unterminated_quote` (+ `record`: the CSV record, header included), or when the worker failed
 *   `worker_crashed` / `worker_out_of_memory` / `timeout` (+ `detail`, worth logging: it may be a deployment fault),
 *   `aborted` (the request went away while the import waited for a worker); for an API body (checkApiBodyOffThread)
 *   `not_json`, `invalid_body` (with the result's `fields`), `refused` (the main thread stopped it) or
 *   `head_refused` (the main thread failed answering it, + `detail`)
 * - zip_bomb: `{ unpacked, max }` (bytes claimed in all), `{ ratio }` (one part), or `{ reason: 'size_mismatch' }`
 *   (a part unpacks to more than it claims)
 * - sheet_too_large: `{ rows, max }`: rows is the last row the sheet declares, the header included
 * - too_many_rows: `{ found, max }`; `atLeast: 1` when found is only a lower bound (the reader stopped counting)
 * - too_large: `{ size, max }` (bytes)
 * - params_in_txt: `{ row }`: the first data row with more than one column
 * - busy: no params; every import worker is taken and the queue is full (import-gate.ts)
 */
export interface ImportError {
  code: ImportErrorCode;
  params?: Record<string, string | number>;
}

export type ParsedFile =
  | { ok: true; format: ImportFormat; headerSkipped: boolean; rows: InputRow[] }
  | { ok: false; error: ImportError };

export type CheckedFile =
  | { ok: true; format: ImportFormat; headerSkipped: boolean; report: CheckSummary; recipients: PackedRecipients }
  /** `fields`: only for an API body whose recipients are malformed (checkApiBodyOffThread). */
  | { ok: false; error: ImportError; fields?: FieldErrors };

/**
 * phase: `waiting` (for a worker; `ahead`: imports before this one), `reading` (unpacking and parsing the file),
 * `checking` (rows checked so far of total), `sending`.
 */
export interface ImportProgress {
  phase: 'waiting' | 'reading' | 'checking' | 'sending';
  done?: number;
  total?: number;
  ahead?: number;
}

export type ProgressListener = (progress: ImportProgress) => void;

/** Thrown inside the readers to stop at the first problem; parseImportBuffer turns it into `{ ok: false }`. */
export class ImportFailure extends Error {
  constructor(readonly error: ImportError) {
    super(error.code);
  }
}

export function fail(code: ImportErrorCode, params?: Record<string, string | number>): never {
  throw new ImportFailure(params ? { code, params } : { code });
}
