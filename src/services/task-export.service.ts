import type { Knex } from 'knex';
import type { Writable } from 'node:stream';
import type { Locale, Translate } from '../i18n/i18n';
import { describeCode } from '../carrier/receipt-codes';
import { streamMessages, type MessageFilter, type MessageListRow } from '../queries/message-list.queries';
import { formatDateTime, spreadsheetSerial } from '../time/zoned-time';
import { csvCell } from './csv.service';
import { drained, XlsxStreamWriter, type XlsxCell } from './xlsx-stream.service';

/**
 * The task details exports (.csv and .xlsx) of the current filter. Rows are read in keyset batches of 1,000 and
 * written as they are read, waiting whenever the client is slower than the database, so memory stays flat at any
 * size and the download starts at once. The CSV neutralises formulas (csv.service); the .xlsx needs not, as its text
 * cells are inline strings, never formulas, and its times are date cells in the task's time zone.
 */

export interface ExportContext {
  t: Translate;
  locale: Locale;
  timeZone: string;
  /** Show numbers as 138****8000. */
  mask: boolean;
  /** The template's variables: one column each, after the fixed columns. */
  variables: number;
}

const BATCH = 1000;

/** `13800138000` -> `138****8000`: the operator prefix and the last four digits stay recognisable. */
export function maskPhone(phone: string): string {
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : '*'.repeat(phone.length);
}

export function exportHeader(ctx: ExportContext): string[] {
  const { t } = ctx;
  return [
    t('tasks.messages.phone'),
    t('tasks.messages.content'),
    t('tasks.messages.chars'),
    t('tasks.messages.segments'),
    t('tasks.messages.sentAt'),
    t('tasks.messages.reportedAt'),
    t('tasks.messages.status'),
    t('tasks.messages.code'),
    t('tasks.messages.remarks'),
    ...Array.from({ length: ctx.variables }, (_, i) => t('tasks.importTemplate.variable', { n: i + 1 })),
  ];
}

/** Column widths for the .xlsx, in characters. */
export function exportWidths(ctx: ExportContext): number[] {
  return [14, 60, 10, 10, 20, 20, 16, 12, 36, ...Array<number>(ctx.variables).fill(16)];
}

export function exportRow(m: MessageListRow, ctx: ExportContext, time: (iso: string | null) => XlsxCell = timeFormatter(ctx)): XlsxCell[] {
  const params = Array.from({ length: ctx.variables }, (_, i) => m.params[i] ?? '');
  return [
    ctx.mask ? maskPhone(m.phone) : m.phone,
    m.content,
    m.chars,
    m.segments,
    time(m.submittedAt),
    time(m.reportedAt),
    ctx.t('messages.status.' + m.status),
    m.code ?? '',
    describeCode(m.code, ctx.locale),
    ...params,
  ];
}

/**
 * Writes a batch, waits while the client is slower than the database, and then lets the event loop turn: a fast
 * local client drains the socket within the same tick, so without the turn a large export would keep every other
 * request (and the dispatcher) waiting until it ended.
 */
async function send(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await drained(out);
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Formatting a time through Intl costs microseconds; a batch handed over together shares its sending time. */
function timeFormatter(ctx: ExportContext): (iso: string | null) => string {
  const memo = new Map<string, string>();
  return (iso) => {
    if (!iso) return '';
    let text = memo.get(iso);
    if (text === undefined) {
      if (memo.size >= 10_000) memo.clear();
      text = formatDateTime(iso, ctx.timeZone, ctx.locale, true);
      memo.set(iso, text);
    }
    return text;
  };
}

/** How far an export got, for the audit log: `rows` grows as batches are written, so a cancelled one still tells. */
export interface ExportProgress {
  rows: number;
}

/** UTF-8 with a byte-order mark (so Excel reads Chinese correctly), CRLF line ends, headers in the UI language. */
export async function writeCsvExport(db: Knex, filter: MessageFilter, out: Writable, ctx: ExportContext, progress: ExportProgress = { rows: 0 }): Promise<void> {
  const line = (cells: readonly XlsxCell[]) => cells.map((c) => csvCell(c === null ? '' : String(c))).join(',') + '\r\n';
  const time = timeFormatter(ctx);
  await send(out, '\uFEFF' + line(exportHeader(ctx)));
  for await (const rows of streamMessages(db, filter, BATCH)) {
    await send(out, rows.map((m) => line(exportRow(m, ctx, time))).join(''));
    progress.rows += rows.length;
  }
}

/** The .xlsx holds times as date cells (sortable, filterable), of the wall clock in the task's time zone. */
function dateCell(ctx: ExportContext): (iso: string | null) => XlsxCell {
  return (iso) => {
    const serial = iso ? spreadsheetSerial(iso, ctx.timeZone) : null;
    return serial === null ? '' : { date: serial };
  };
}

export async function writeXlsxExport(db: Knex, filter: MessageFilter, out: Writable, ctx: ExportContext, progress: ExportProgress = { rows: 0 }): Promise<void> {
  const writer = new XlsxStreamWriter(out, { sheetName: ctx.t('tasks.messages.sheetName'), header: exportHeader(ctx), widths: exportWidths(ctx) });
  const time = dateCell(ctx);
  await writer.begin();
  for await (const rows of streamMessages(db, filter, BATCH)) {
    await writer.addRows(rows.map((m) => exportRow(m, ctx, time)));
    progress.rows += rows.length;
    // As in send(): a turn of the event loop for everyone else after each batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await writer.end();
}
