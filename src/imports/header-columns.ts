/**
 * Which columns of a file hold the phone and the template's variables, read from its header (issue 12, item 3), so
 * that a file exported from a task imports again as it is: the export's own columns (phone, content, characters, …,
 * "Variable 1", "Variable 2") and the import template's ("Phone number", "Variable 1: …its text…") are recognised
 * by their titles, in either language. A header that names none of them leaves the columns positional, as always:
 * phone first, then the variables in order.
 */
import { en } from '../i18n/en';
import { zhCN } from '../i18n/zh-CN';

const CATALOGUES = [en, zhCN];

const norm = (text: string) => text.trim().toLowerCase();

const PHONE_TITLES = new Set(CATALOGUES.flatMap((c) => [c['tasks.importTemplate.phone'], c['tasks.messages.phone']]).map(norm));

/** The other columns of the task export and the invalid-rows download: a header with one of them is one of those. */
const EXPORT_TITLES = new Set(
  CATALOGUES.flatMap((c) => [
    c['tasks.messages.content'],
    c['tasks.messages.chars'],
    c['tasks.messages.segments'],
    c['tasks.messages.sentAt'],
    c['tasks.messages.reportedAt'],
    c['tasks.messages.status'],
    c['tasks.messages.code'],
    c['tasks.messages.remarks'],
    // The invalid-rows download's own columns.
    c['tasks.check.row'],
    c['tasks.check.reason'],
  ]).map(norm),
);

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A variable's title: `{1}`, or the catalogues' "Variable {n}" / "变量{n}", at the start of the cell; the import
 * template follows it with the template's text around the variable (":" and more), which is ignored here.
 */
const VARIABLE_TITLES = [
  /^[{｛]\s*([0-9０-９]+)\s*[}｝]/,
  ...CATALOGUES.map((c) => new RegExp(`^${escape(norm(c['tasks.importTemplate.variable'])).replace('\\{n\\}', '\\s*([0-9]+)')}(?![0-9])`, 'u')),
];

const toAscii = (digits: string) => Number(digits.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)));

export function variableNumber(title: unknown): number | null {
  if (typeof title !== 'string') return null;
  const text = norm(title);
  for (const pattern of VARIABLE_TITLES) {
    const m = pattern.exec(text);
    if (m) return toAscii(m[1]);
  }
  return null;
}

interface HeaderTitles {
  phone: number;
  variables: { n: number; column: number }[];
  /** Columns titled as only the console's downloads title them (content, status, row, reason, …). */
  exportTitles: number;
  /** Non-empty titles that are none of the above: a name column, a "备注" of the user's own, … */
  otherTitles: number;
}

function readTitles(header: readonly unknown[]): HeaderTitles {
  const titles: HeaderTitles = { phone: -1, variables: [], exportTitles: 0, otherTitles: 0 };
  header.forEach((cell, column) => {
    const n = variableNumber(cell);
    const text = typeof cell === 'string' ? norm(cell) : '';
    const blank = cell === undefined || cell === null || (typeof cell === 'string' && text === '');
    if (n !== null) titles.variables.push({ n, column });
    else if (PHONE_TITLES.has(text) && titles.phone === -1) titles.phone = column;
    else if (EXPORT_TITLES.has(text)) titles.exportTitles += 1;
    else if (!blank) titles.otherTitles += 1;
  });
  return titles;
}

/**
 * Whether the header is one of the console's own downloads (the task export, the invalid rows): some of its titles
 * are those only they use, and every other title is the phone's or a variable's. A user's own header that merely
 * has a "Remarks" / "备注" or "Status" column among others is not.
 */
export function isOwnExport(header: readonly unknown[]): boolean {
  return ownExport(readTitles(header));
}

const ownExport = (titles: HeaderTitles) => titles.exportTitles > 0 && titles.otherTitles === 0;

/**
 * The column indexes to read, phone first and then variables 1, 2, … in their order, or null to keep the row as it
 * stands: the header names no variable and is not the console's own download (the export of a template without
 * variables, whose phone alone is read).
 */
export function importColumns(header: readonly unknown[]): number[] | null {
  const titles = readTitles(header);
  if (titles.variables.length === 0 && !ownExport(titles)) return null;
  const variables = [...titles.variables].sort((a, b) => a.n - b.n);
  return [titles.phone === -1 ? 0 : titles.phone, ...variables.map((v) => v.column)];
}

/**
 * A cell of the console's own CSV as it was before the formula guard (src/services/csv.service.ts) put an
 * apostrophe before a leading = + - @ tab or carriage return: "'-5" imports again as the "-5" that was sent.
 */
export function unguarded(cell: unknown): unknown {
  return typeof cell === 'string' && /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/**
 * A comment row, skipped by rule: its first cell starts with `#`, which no phone number does. The import template
 * puts its notes and example there, so an example left in is never imported.
 */
export function isCommentRow(cells: readonly unknown[]): boolean {
  const first = cells[0];
  return typeof first === 'string' && /^\s*[#＃]/.test(first);
}
