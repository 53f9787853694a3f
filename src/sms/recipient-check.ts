/**
 * The check before send (product brief, "Recipients"; issue 3, "Check before send").
 *
 * Turns rows read from a file or typed by hand into the report the user confirms: which numbers get which message,
 * which rows are refused and why, and what the task will cost. One pass, so 100,000 rows stay fast.
 *
 * Decisions:
 * - A row whose every cell is empty (or only spaces) is skipped silently and not counted in `rowsRead`: spreadsheets
 *   and text files carry blank lines that nobody means as a recipient. A row with an empty phone but filled
 *   parameters is a real row and is reported as `phone`/`empty` (sample row 10).
 * - A parameter cell holding only spaces counts as empty; otherwise parameters are used exactly as written, spaces,
 *   `=`, `<` and all. Escaping and formula-safety belong to the view and the CSV export. A row with a control
 *   character (line breaks and tabs in a parameter included) or U+FFFD in any cell is refused: `bad-characters.ts`.
 * - Empty cells after the last expected parameter are ignored; a non-empty cell beyond it is an error, because a
 *   shifted column would otherwise send the wrong value in every message. For a template without variables that
 *   error is `params_not_allowed` (clearer than "expects 0 parameters").
 * - Only valid rows take part in duplicate detection. `repeatedNumbers` counts the rows kept although an earlier kept
 *   row has the same number (with other parameters): each is one more message to a number already in the task.
 */
import { badCharacters, showControls, type BadCharacters } from './bad-characters';
import { normalizePhone, type PhoneReason } from './phone';
import { composeMessage, measure } from './segments';
import { compileTemplate, variableCount } from './template';
import { FirstParamsIndex } from './first-params-index';

export interface InputRow {
  /** A file's row as the spreadsheet shows it (a header is row 1); an API recipient's place in its list, from 1. */
  rowNumber: number;
  /** `cells[0]` is the phone number, `cells[1..]` fill `{1}`…`{N}`. */
  cells: unknown[];
}

export type RowProblem =
  | { code: 'phone'; reason: PhoneReason; digits?: number }
  /** `missing`: the first variable whose cell is empty, when a cell inside the expected range is empty. */
  | { code: 'param_count'; expected: number; found: number; missing?: number }
  | { code: 'too_long'; chars: number }
  | { code: 'params_not_allowed' }
  /** A cell holds U+FFFD (bytes the decoder could not read) or a control character: see `bad-characters.ts`. */
  | { code: 'undecodable' }
  | { code: 'control_chars' }
  /** Issue 14's send rules, applied where the draft is stored (src/services/send-rules-check.service.ts). */
  | { code: 'opted_out' }
  | { code: 'frequency_cap' };

export interface ValidRecipient {
  rowNumber: number;
  phone: string;
  params: string[];
  /** The signed message exactly as measured: `【signature】` + the rendered template. */
  message: string;
  chars: number;
  segments: number;
}

export interface InvalidRow {
  rowNumber: number;
  /** The phone cell as typed, in string form. */
  value: string;
  /** The cells after the phone as typed (control characters made visible), so the row can be fixed and imported again. */
  params: string[];
  problem: RowProblem;
}

export interface CheckReport {
  rowsRead: number;
  valid: ValidRecipient[];
  invalid: InvalidRow[];
  duplicatesRemoved: number;
  repeatedNumbers: number;
  totalMessages: number;
  totalSegments: number;
  longest: { chars: number; segments: number } | null;
}

export interface CheckContext {
  signature: string;
  templateContent: string;
}

export interface CheckOptions {
  /** Called every `progressEvery` rows with the number of rows looked at so far. */
  onProgress?: (done: number) => void;
  progressEvery?: number;
}

/**
 * A spreadsheet number shows as its whole digits (`String(13800138000.0)` is fine, but `String(1e21)` is not);
 * anything else that is not text is spelled the way a spreadsheet would show it.
 */
export function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number') return Number.isInteger(cell) && !Number.isSafeInteger(cell) ? BigInt(cell).toString() : String(cell);
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString();
  return String(cell);
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** Length-prefixed, so no parameter content (not even a separator character) can make two rows collide. */
function rowKey(phone: string, params: readonly string[]): string {
  let key = phone;
  for (const param of params) key += `\u0000${param.length}:${param}`;
  return key;
}

/** Why the row's cells cannot be sent: the phone cell may keep whitespace, a parameter may not. */
function rowBadCharacters(value: string, cells: readonly unknown[]): BadCharacters | null {
  let found = badCharacters(value, { whitespaceAllowed: true });
  for (let i = 1; i < cells.length && found !== 'undecodable'; i += 1) {
    const text = cellText(cells[i]);
    // An empty cell (spaces or a lone line break) is read as empty below, never sent.
    if (isBlank(text)) continue;
    const inCell = badCharacters(text, { whitespaceAllowed: false });
    // Undecodable bytes anywhere in the row win: "check the file's encoding" is the more useful advice.
    if (inCell === 'undecodable' || found === null) found = inCell;
  }
  return found;
}

/** A refused row's cells after the phone, as text, up to its last non-empty one; no control character survives. */
function typedParams(cells: readonly unknown[]): string[] {
  const texts = cells.slice(1).map((cell) => showControls(cellText(cell)));
  while (texts.length > 0 && isBlank(texts[texts.length - 1])) texts.pop();
  return texts;
}

type ParamsResult = { ok: true; params: string[] } | { ok: false; problem: RowProblem };

function readParams(cells: readonly unknown[], expected: number): ParamsResult {
  let width = 0;
  const texts: string[] = [];
  for (let i = 1; i < cells.length; i += 1) {
    const text = cellText(cells[i]);
    texts.push(text);
    if (!isBlank(text)) width = i;
  }
  if (width > expected) {
    return { ok: false, problem: expected === 0 ? { code: 'params_not_allowed' } : { code: 'param_count', expected, found: width } };
  }
  let found = 0;
  let missing: number | undefined;
  for (let i = 0; i < expected; i += 1) {
    const text = texts[i];
    if (text !== undefined && !isBlank(text)) found += 1;
    else if (missing === undefined) missing = i + 1;
  }
  if (missing !== undefined) {
    // When the row simply stops early, "found 1" says it all; a hole inside the row is worth pointing at.
    const problem: RowProblem =
      missing > width ? { code: 'param_count', expected, found } : { code: 'param_count', expected, found, missing };
    return { ok: false, problem };
  }
  return { ok: true, params: texts.slice(0, expected) };
}

/**
 * The check one row at a time (issue 15: a file is read and checked together, so no list of every row is held):
 * `add` each row in file order, then `finish` for the report. With `onValid`, valid recipients are handed on as they
 * are found (the import worker packs them) instead of being kept in `report.valid`.
 */
export class RecipientChecker {
  private readonly expected: number;
  private readonly render: (params: readonly string[]) => string;
  private readonly progressEvery: number;
  // The first kept parameters of each number (compact: first-params-index.ts), and a key for every later kept row of
  // a number seen before: keys are built only for repeated numbers, and a file of one number with 100,000 different
  // codes stays one pass.
  private readonly firstParams = new FirstParamsIndex();
  private readonly laterRows = new Set<string>();
  private readonly report: CheckReport = {
    rowsRead: 0,
    valid: [],
    invalid: [],
    duplicatesRemoved: 0,
    repeatedNumbers: 0,
    totalMessages: 0,
    totalSegments: 0,
    longest: null,
  };
  private looked = 0;

  constructor(
    private readonly ctx: CheckContext,
    private readonly options: CheckOptions & { onValid?: (recipient: ValidRecipient) => void } = {},
  ) {
    this.expected = variableCount(ctx.templateContent);
    this.render = compileTemplate(ctx.templateContent);
    this.progressEvery = options.progressEvery ?? 10_000;
  }

  add(row: InputRow): void {
    const { report, options } = this;
    this.looked += 1;
    if (options.onProgress && this.looked % this.progressEvery === 0) options.onProgress(this.looked);
    const { cells, rowNumber } = row;
    if (cells.every((cell) => isBlank(cellText(cell)))) return;
    report.rowsRead += 1;

    const value = cellText(cells[0]);
    const bad = rowBadCharacters(value, cells);
    if (bad) {
      report.invalid.push({ rowNumber, value: showControls(value), params: typedParams(cells), problem: { code: bad } });
      return;
    }
    const phone = normalizePhone(cells[0]);
    if (!phone.ok) {
      const problem: RowProblem =
        phone.digits === undefined ? { code: 'phone', reason: phone.reason } : { code: 'phone', reason: phone.reason, digits: phone.digits };
      report.invalid.push({ rowNumber, value, params: typedParams(cells), problem });
      return;
    }
    const params = readParams(cells, this.expected);
    if (!params.ok) {
      report.invalid.push({ rowNumber, value, params: typedParams(cells), problem: params.problem });
      return;
    }
    // measureMessage(signature, body) is measure(composeMessage(signature, body)); the message itself is kept too.
    const message = composeMessage(this.ctx.signature, this.render(params.params));
    const size = measure(message);
    if (size.tooLong) {
      report.invalid.push({ rowNumber, value, params: params.params, problem: { code: 'too_long', chars: size.chars } });
      return;
    }

    const first = this.firstParams.see(phone.phone, params.params);
    if (first !== 'first') {
      const key = rowKey(phone.phone, params.params);
      if (first === 'same' || this.laterRows.has(key)) {
        report.duplicatesRemoved += 1;
        return;
      }
      this.laterRows.add(key);
      report.repeatedNumbers += 1;
    }

    const recipient = { rowNumber, phone: phone.phone, params: params.params, message, chars: size.chars, segments: size.segments };
    if (options.onValid) options.onValid(recipient);
    else report.valid.push(recipient);
    report.totalMessages += 1;
    report.totalSegments += size.segments;
    if (report.longest === null || size.chars > report.longest.chars) {
      report.longest = { chars: size.chars, segments: size.segments };
    }
  }

  finish(): CheckReport {
    return this.report;
  }
}

export function checkRecipients(rows: Iterable<InputRow>, ctx: CheckContext, options: CheckOptions = {}): CheckReport {
  const checker = new RecipientChecker(ctx, options);
  for (const row of rows) checker.add(row);
  return checker.finish();
}

/**
 * A refused row's reason as a stable code (`phone_length`, `param_count`, …: the keys of `tasks.reasons.*`) and the
 * values its message needs; used for the stored invalid rows and the API's check report alike.
 */
export function problemReason(problem: RowProblem): { reason: string; params: Record<string, string | number> } {
  const { code, ...params } = problem as { code: string } & Record<string, string | number>;
  return { reason: code === 'phone' ? `phone_${params.reason}` : code, params };
}
