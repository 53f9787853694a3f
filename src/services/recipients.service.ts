import { splitManualNumbers } from '../sms/phone';
import { checkRecipients, type InputRow } from '../sms/recipient-check';
import { packRecipients, type CheckSummary, type PackedRecipients } from '../drafts/recipient-chunks';
import { variableCount } from '../sms/template';
import { parseAndCheck, type RunOptions } from '../imports/import-worker';
import type { FieldError } from '../validators/validation';

export type RecipientsOutcome =
  | { ok: true; report: CheckSummary; recipients: PackedRecipients; source: 'manual' | 'import'; fileName: string | null }
  | { ok: false; field: 'manualNumbers' | 'file'; error: FieldError; status?: number };

interface Context {
  signature: string;
  templateContent: string;
  maxRows: number;
  maxBytes: number;
}

/** Numbers typed or pasted by hand: only for templates without variables, at most the import row limit. */
export function checkManualNumbers(text: string, ctx: Context): RecipientsOutcome {
  if (variableCount(ctx.templateContent) > 0) return { ok: false, field: 'manualNumbers', error: { key: 'tasks.errors.manualWithVariables' } };
  const numbers = splitManualNumbers(text);
  if (numbers.length === 0) return { ok: false, field: 'manualNumbers', error: { key: 'tasks.errors.manualEmpty' } };
  if (numbers.length > ctx.maxRows) {
    return { ok: false, field: 'manualNumbers', error: { key: 'tasks.errors.tooManyNumbers', counts: { found: numbers.length, max: ctx.maxRows } } };
  }
  const rows: InputRow[] = numbers.map((n, i) => ({ rowNumber: i + 1, cells: [n] }));
  const { valid, ...report } = checkRecipients(rows, ctx);
  return { ok: true, report, recipients: packRecipients(valid), source: 'manual', fileName: null };
}

/** The import's numeric params that are counts of numbers (never a row number), shown grouped. */
const IMPORT_COUNT_PARAMS = new Set(['found', 'max']);

function importFieldError(code: string, raw: Record<string, string | number> = {}): FieldError {
  const params: Record<string, string | number> = {};
  const counts: Record<string, number> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'number' && IMPORT_COUNT_PARAMS.has(name)) counts[name] = value;
    else params[name] = value;
  }
  // The reader stopped counting: the count is a lower bound, and says so.
  if (code === 'too_many_rows' && raw.atLeast) return { key: 'tasks.importErrors.tooManyAtLeast', params, counts };
  return { key: `tasks.importErrors.${code}`, params, counts };
}

/**
 * An uploaded file (its temporary path), parsed and checked in a worker thread so the app stays responsive
 * meanwhile. When every worker is taken and the queue is full the answer is 503 ("busy, try again").
 */
export async function checkImportFile(file: { path: string; originalname: string } | undefined, ctx: Context, options: RunOptions = {}): Promise<RecipientsOutcome> {
  if (!file) return { ok: false, field: 'file', error: { key: 'tasks.errors.fileRequired' } };
  const fileName = file.originalname;
  const result = await parseAndCheck({ path: file.path }, fileName, { maxRows: ctx.maxRows, maxBytes: ctx.maxBytes }, ctx, options);
  if (!result.ok) {
    const status = result.error.code === 'busy' ? 503 : undefined;
    return { ok: false, field: 'file', error: importFieldError(result.error.code, result.error.params), status };
  }
  return { ok: true, report: result.report, recipients: result.recipients, source: 'import', fileName };
}
