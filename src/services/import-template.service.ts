import * as XLSX from 'xlsx';
import { variableCount } from '../sms/template';
import type { Translate } from '../i18n/i18n';

export const EXAMPLE_PHONE = '13800138000';

/** Header `phone, {1}, {2}, …` in the UI language and one example row, for the chosen template. */
export function importTemplateRows(templateContent: string, t: Translate): string[][] {
  const n = variableCount(templateContent);
  const header = [t('tasks.importTemplate.phone'), ...Array.from({ length: n }, (_, i) => t('tasks.importTemplate.variable', { n: i + 1 }))];
  const example = [EXAMPLE_PHONE, ...Array.from({ length: n }, (_, i) => t('tasks.importTemplate.example', { n: i + 1 }))];
  return [header, example];
}

export function importTemplateXlsx(rows: string[][]): Buffer {
  const sheet = XLSX.utils.aoa_to_sheet(rows);
  // The phone column is text so Excel keeps all 11 digits as typed instead of showing 1.38E+10.
  sheet['!cols'] = rows[0].map((_, i) => ({ wch: i === 0 ? 16 : 20 }));
  for (let r = 0; r < rows.length; r++) {
    const cell = sheet[XLSX.utils.encode_cell({ r, c: 0 })];
    if (cell) {
      cell.t = 's';
      cell.z = '@';
    }
  }
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, sheet, 'recipients');
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer;
}

/** CSV with a UTF-8 byte-order mark, so Excel on Chinese Windows opens the header correctly. */
export function importTemplateCsv(rows: string[][]): string {
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return '\uFEFF' + rows.map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}
