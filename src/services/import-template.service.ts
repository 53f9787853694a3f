import * as XLSX from 'xlsx';
import { variableCount } from '../sms/template';
import type { Translate } from '../i18n/i18n';

export const EXAMPLE_PHONE = '13800138000';

/** Characters of the template's text shown on each side of a variable in its column title. */
const CONTEXT = 8;

/**
 * The import template of one template (issue 12, item 10): nothing in it is imported if left in. Its header names
 * each variable with the template's text around it ("Variable 1: 尊敬的{1}，您的订单…"); the example row and the
 * template's whole text are in a second sheet (.xlsx, whose first sheet alone is read) or in comment rows, which
 * start with # and are skipped by rule (.csv; src/imports/header-columns.ts).
 */
export interface ImportTemplate {
  header: string[];
  example: string[];
  /** The template's name and text, and how to use the file. */
  notes: string[];
}

/** `…尊敬的{1}，您的订单…`: the first place the variable is used, with some text on each side. */
export function variableContext(content: string, n: number): string {
  const placeholder = `{${n}}`;
  const at = content.indexOf(placeholder);
  if (at === -1) return placeholder;
  const from = Math.max(0, at - CONTEXT);
  const to = Math.min(content.length, at + placeholder.length + CONTEXT);
  return `${from > 0 ? '…' : ''}${content.slice(from, to)}${to < content.length ? '…' : ''}`;
}

export function importTemplateFor(template: { name: string; content: string }, t: Translate): ImportTemplate {
  const n = variableCount(template.content);
  const numbers = Array.from({ length: n }, (_, i) => i + 1);
  return {
    header: [t('tasks.importTemplate.phone'), ...numbers.map((i) => t('tasks.importTemplate.variableIn', { n: i, context: variableContext(template.content, i) }))],
    example: [EXAMPLE_PHONE, ...numbers.map((i) => t('tasks.importTemplate.example', { n: i }))],
    notes: [t('tasks.importTemplate.about', { name: template.name, content: template.content }), t('tasks.importTemplate.howTo')],
  };
}

/** The phone column is text so Excel keeps all 11 digits as typed instead of showing 1.38E+10. */
function phoneColumnAsText(sheet: XLSX.WorkSheet, rows: number): void {
  for (let r = 0; r < rows; r++) {
    const cell = sheet[XLSX.utils.encode_cell({ r, c: 0 })];
    if (cell) {
      cell.t = 's';
      cell.z = '@';
    }
  }
}

export function importTemplateXlsx(file: ImportTemplate, t: Translate): Buffer {
  const widths = file.header.map((_, i) => ({ wch: i === 0 ? 16 : 28 }));
  const recipients = XLSX.utils.aoa_to_sheet([file.header]);
  recipients['!cols'] = widths;
  phoneColumnAsText(recipients, 1);
  const notes = [...file.notes, t('tasks.importTemplate.exampleSheetRule')];
  const exampleRows = [...notes.map((note) => [note]), [], file.header, file.example];
  const examples = XLSX.utils.aoa_to_sheet(exampleRows);
  examples['!cols'] = widths;
  phoneColumnAsText(examples, exampleRows.length);
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, recipients, t('tasks.importTemplate.recipientsSheet'));
  XLSX.utils.book_append_sheet(book, examples, t('tasks.importTemplate.examplesSheet'));
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer;
}

/**
 * CSV with a UTF-8 byte-order mark, so Excel on Chinese Windows opens the header correctly: the notes and the
 * example as comment rows (# first), the header between them.
 */
export function importTemplateCsv(file: ImportTemplate, t: Translate): string {
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const notes = [...file.notes, t('tasks.importTemplate.commentRule')];
  const rows = [...notes.map((note) => [`# ${note}`]), file.header, [`# ${file.example[0]}`, ...file.example.slice(1)]];
  return '\uFEFF' + rows.map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}

/**
 * The download's Content-Disposition: named after the template ("发货通知-导入模板.xlsx"); the ASCII fallback keeps
 * the name when it is plain ASCII ("orders-import-template-12.xlsx") and is "import-template-12.xlsx" otherwise.
 */
export function importTemplateDisposition(template: { id: number; name: string }, format: 'xlsx' | 'csv', t: Translate): string {
  const ascii = /^[A-Za-z0-9 ._-]+$/.test(template.name) ? `${template.name.trim().replace(/[ .]+/g, '-')}-` : '';
  return attachmentHeader(`${template.name}-${t('tasks.importTemplate.fileName')}.${format}`, `${ascii}import-template-${template.id}.${format}`);
}

/**
 * `attachment` with the template's name (RFC 6266 / RFC 5987 `filename*`, UTF-8, for Chinese names) and a plain
 * ASCII `filename` for clients that do not read `filename*`.
 */
export function attachmentHeader(name: string, asciiFallback: string): string {
  // Characters a file name cannot hold on common systems, controls, and lone surrogates (which encodeURIComponent
  // refuses) become "_".
  const safe = name.replace(/[\u0000-\u001f\u007f"*/:<>?\\|]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '_').trim() || asciiFallback;
  const encoded = encodeURIComponent(safe).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${asciiFallback}"; filename*=UTF-8''${encoded}`;
}
