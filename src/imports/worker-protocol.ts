/**
 * The messages between import-worker.ts (main thread) and import.worker.ts (worker thread).
 *
 * Results come back in chunks so that the main thread deserialises a little at a time between other requests.
 * Valid recipients, the bulk of a report, travel as columns: cloning a few arrays of strings and numbers costs about
 * half as much as cloning 100,000 small objects.
 */
import type { CheckContext, CheckReport, ValidRecipient } from '../sms/recipient-check';
import type { ImportError, ImportFormat, ImportLimits, ImportProgress } from './import-types';

export interface WorkerJob {
  buffer: ArrayBuffer;
  fileName: string;
  limits: ImportLimits;
  /** Present when the rows are to be checked in the worker too. */
  ctx?: CheckContext;
}

export interface ValidColumns {
  rowNumber: Int32Array;
  phone: string[];
  params: string[][];
  message: string[];
  chars: Int32Array;
  segments: Int32Array;
}

export type DoneResult =
  | { ok: true; format: ImportFormat; headerSkipped: boolean; report?: CheckReport }
  | { ok: false; error: ImportError };

export type WorkerMessage =
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'chunk'; list: 'rows' | 'invalid'; items: unknown[] }
  | { type: 'valid'; columns: ValidColumns }
  | { type: 'done'; result: DoneResult };

export const CHUNK_ROWS = 10_000;

export function packValid(items: readonly ValidRecipient[]): ValidColumns {
  const n = items.length;
  const columns: ValidColumns = {
    rowNumber: new Int32Array(n),
    phone: new Array<string>(n),
    params: new Array<string[]>(n),
    message: new Array<string>(n),
    chars: new Int32Array(n),
    segments: new Int32Array(n),
  };
  for (let i = 0; i < n; i += 1) {
    const item = items[i];
    columns.rowNumber[i] = item.rowNumber;
    columns.phone[i] = item.phone;
    columns.params[i] = item.params;
    columns.message[i] = item.message;
    columns.chars[i] = item.chars;
    columns.segments[i] = item.segments;
  }
  return columns;
}

export function unpackValid(columns: ValidColumns, into: ValidRecipient[]): void {
  for (let i = 0; i < columns.phone.length; i += 1) {
    into.push({
      rowNumber: columns.rowNumber[i],
      phone: columns.phone[i],
      params: columns.params[i],
      message: columns.message[i],
      chars: columns.chars[i],
      segments: columns.segments[i],
    });
  }
}

/** The typed arrays' memory can be moved to the other thread instead of copied. */
export function transferablesOf(columns: ValidColumns): ArrayBuffer[] {
  return [columns.rowNumber.buffer, columns.chars.buffer, columns.segments.buffer] as ArrayBuffer[];
}
