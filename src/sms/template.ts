/**
 * Template rules (product brief, "Catalogue"): variables, validation and rendering.
 *
 * Everything here reads a template through the one tokenizer below, so validation, the preview highlight and the
 * rendered message always agree on what is a variable and what is literal text.
 */
import { countChars } from './segments';

export const SMS_TYPES = ['verification', 'notification', 'marketing'] as const;
export type SmsType = (typeof SMS_TYPES)[number];

export const TEMPLATE_NAME_MAX = 32;
export const TEMPLATE_CONTENT_MAX = 500;

export type TemplateErrorCode =
  | 'name_required'
  | 'name_too_long'
  | 'type_invalid'
  | 'content_required'
  | 'content_too_long'
  | 'variable_zero'
  | 'variable_gap'
  | 'variable_malformed'
  | 'variable_fullwidth'
  | 'only_variables'
  | 'verification_needs_variable'
  | 'marketing_needs_unsubscribe';

export interface TemplateErrors {
  name?: TemplateErrorCode;
  smsType?: TemplateErrorCode;
  content?: TemplateErrorCode;
  /** `missing`: the variable numbers skipped (variable_gap); `fragment`: the offending text (brace problems). */
  details?: { missing?: number[]; fragment?: string };
}

export type VariableProblemCode = 'variable_zero' | 'variable_malformed' | 'variable_fullwidth';

export interface VariableProblem {
  code: VariableProblemCode;
  /** The text as written, so the UI can point at it. */
  fragment: string;
  /** Position in the content, in UTF-16 units. */
  offset: number;
}

export interface ParsedVariables {
  /** Distinct variable numbers used, ascending. */
  indices: number[];
  /** The highest variable number: how many parameters a recipient row must supply. */
  count: number;
  /** Numbers below `count` that are never used (capped at MISSING_REPORT_LIMIT). */
  missing: number[];
  problems: VariableProblem[];
}

export type HighlightPiece = { text: string } | { variable: number };

/**
 * A garbled index such as `{999999}` would make the gap list enormous; nobody needs more than the first few to
 * see the mistake.
 */
const MISSING_REPORT_LIMIT = 20;

/**
 * One regex, tried left to right:
 *  1. `{{…}}`: the Mustache habit, reported as one malformed fragment rather than two stray braces around `{1}`;
 *  2. a number in braces of either width, possibly spaced: `{1}`, `{01}`, `{ 1 }`, `｛1｝`, `{1｝`;
 *  3. any other half-width pair on one line: `{a}`, `{}`;
 *  4. a lone half-width brace.
 * Full-width braces around non-numbers (`｛备注｝`) are ordinary text: they are not variable syntax and carriers
 * accept them.
 */
const TOKEN = /\{\{[^{}\n]*\}\}|[{｛][ \t\u3000]*[0-9０-９]+[ \t\u3000]*[}｝]|\{[^{}\n]*\}|[{}]/g;
const CLEAN_VARIABLE = /^\{([1-9][0-9]*)\}$/;
const ZERO_VARIABLE = /^\{[0-9]+\}$/;
const FULLWIDTH_BRACE = /[｛｝]/;

type Token =
  | { kind: 'text'; text: string }
  | { kind: 'variable'; index: number; text: string }
  | { kind: 'problem'; code: VariableProblemCode; text: string; offset: number };

function classify(text: string, offset: number): Token {
  const clean = CLEAN_VARIABLE.exec(text);
  if (clean) return { kind: 'variable', index: Number(clean[1]), text };
  if (ZERO_VARIABLE.test(text)) return { kind: 'problem', code: 'variable_zero', text, offset };
  if (FULLWIDTH_BRACE.test(text)) return { kind: 'problem', code: 'variable_fullwidth', text, offset };
  return { kind: 'problem', code: 'variable_malformed', text, offset };
}

function tokenize(content: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  for (const match of content.matchAll(TOKEN)) {
    const offset = match.index;
    if (offset > last) tokens.push({ kind: 'text', text: content.slice(last, offset) });
    tokens.push(classify(match[0], offset));
    last = offset + match[0].length;
  }
  if (last < content.length) tokens.push({ kind: 'text', text: content.slice(last) });
  return tokens;
}

export function parseVariables(content: string): ParsedVariables {
  const used = new Set<number>();
  const problems: VariableProblem[] = [];
  for (const token of tokenize(content)) {
    if (token.kind === 'variable') used.add(token.index);
    else if (token.kind === 'problem') problems.push({ code: token.code, fragment: token.text, offset: token.offset });
  }
  const indices = [...used].sort((a, b) => a - b);
  const count = indices.length > 0 ? indices[indices.length - 1] : 0;
  const missing: number[] = [];
  for (let n = 1; n < count && missing.length < MISSING_REPORT_LIMIT; n += 1) {
    if (!used.has(n)) missing.push(n);
  }
  return { indices, count, missing, problems };
}

export function variableCount(content: string): number {
  return parseVariables(content).count;
}

export function isSmsType(value: unknown): value is SmsType {
  return (SMS_TYPES as readonly unknown[]).includes(value);
}

/** Specific advice beats generic advice: "use half-width braces" tells the user more than "malformed variable". */
const PROBLEM_PRIORITY: readonly VariableProblemCode[] = ['variable_fullwidth', 'variable_zero', 'variable_malformed'];

function validateName(raw: string): TemplateErrorCode | undefined {
  const name = raw.trim();
  if (name === '') return 'name_required';
  if (countChars(name) > TEMPLATE_NAME_MAX) return 'name_too_long';
  return undefined;
}

function endsWithUnsubscribe(content: string, phrases: readonly string[]): boolean {
  // An empty phrase in the settings would otherwise match every template and switch the rule off unnoticed.
  return phrases.some((phrase) => phrase.trim() !== '' && content.endsWith(phrase.trim()));
}

function validateContent(
  raw: string,
  smsType: SmsType | undefined,
  rules: { unsubscribePhrases: readonly string[] },
): Pick<TemplateErrors, 'content' | 'details'> {
  const content = raw.trim();
  if (content === '') return { content: 'content_required' };
  if (countChars(content) > TEMPLATE_CONTENT_MAX) return { content: 'content_too_long' };

  const parsed = parseVariables(content);
  for (const code of PROBLEM_PRIORITY) {
    const problem = parsed.problems.find((p) => p.code === code);
    if (problem) return { content: code, details: { fragment: problem.fragment } };
  }
  if (parsed.missing.length > 0) return { content: 'variable_gap', details: { missing: parsed.missing } };

  const literal = tokenize(content)
    .filter((token) => token.kind !== 'variable')
    .map((token) => token.text)
    .join('');
  if (parsed.count > 0 && literal.trim() === '') return { content: 'only_variables' };

  // Type-specific rules only make sense once the type itself is known to be valid.
  if (smsType === 'verification' && parsed.count === 0) return { content: 'verification_needs_variable' };
  if (smsType === 'marketing' && !endsWithUnsubscribe(content, rules.unsubscribePhrases)) {
    return { content: 'marketing_needs_unsubscribe' };
  }
  return {};
}

/**
 * Returns `{}` when the template is valid. Each field gets at most one code, the one most worth fixing first,
 * because a list of five errors on one field reads as noise. Name and content are judged trimmed; callers should
 * store them trimmed too so what was checked is what gets sent.
 */
export function validateTemplate(
  input: { name: string; smsType: string; content: string },
  rules: { unsubscribePhrases: readonly string[] },
): TemplateErrors {
  const errors: TemplateErrors = {};
  const name = validateName(input.name);
  if (name) errors.name = name;
  const smsType = isSmsType(input.smsType) ? input.smsType : undefined;
  if (!smsType) errors.smsType = 'type_invalid';
  const content = validateContent(input.content, smsType, rules);
  if (content.content) errors.content = content.content;
  if (content.details) errors.details = content.details;
  return errors;
}

/**
 * Fills `{n}` with `params[n - 1]` in a single pass over the tokens, so a parameter is never re-read: one that
 * contains `{2}` or `$&` (special to String.prototype.replace) arrives in the message exactly as typed. HTML
 * escaping is the view's job, not this function's. Brace problems are left as literal text.
 *
 * Throws when a variable has no parameter: sending `{3}` to a customer is worse than failing, and the import
 * check is expected to have rejected rows with the wrong number of parameters already.
 */
export function renderTemplate(content: string, params: readonly string[]): string {
  return compileTemplate(content)(params);
}

/**
 * renderTemplate with the template read once: the import check renders the same template for up to 100,000
 * rows, and tokenising it again for each was a third of the check's time.
 */
export function compileTemplate(content: string): (params: readonly string[]) => string {
  const tokens = tokenize(content);
  return (params) => renderTokens(tokens, params);
}

function renderTokens(tokens: readonly Token[], params: readonly string[]): string {
  let out = '';
  for (const token of tokens) {
    if (token.kind !== 'variable') {
      out += token.text;
      continue;
    }
    const value = params[token.index - 1];
    if (value === undefined) {
      throw new RangeError(`renderTemplate: no parameter for {${token.index}} (got ${params.length})`);
    }
    out += value;
  }
  return out;
}

/** For the preview: literal text and variables in order; adjacent literal text is merged into one piece. */
export function splitForHighlight(content: string): HighlightPiece[] {
  const pieces: HighlightPiece[] = [];
  for (const token of tokenize(content)) {
    if (token.kind === 'variable') {
      pieces.push({ variable: token.index });
      continue;
    }
    const previous = pieces[pieces.length - 1];
    if (previous && 'text' in previous) previous.text += token.text;
    else pieces.push({ text: token.text });
  }
  return pieces;
}
