import type { Params } from './i18n';

const formatters = new Map<string, (n: number) => string>();

/** Groups of three digits joined by `separator`: 1234567 -> "1,234,567". */
function groupDigits(n: number, separator: string): string {
  const digits = String(Math.abs(n));
  let out = digits.length > 3 ? digits.slice(0, digits.length % 3 || 3) : digits;
  for (let i = out.length; i < digits.length; i += 3) out += separator + digits.slice(i, i + 3);
  return n < 0 ? '-' + out : out;
}

/**
 * Whole numbers grouped the way the UI language writes them ("12,400"). Building an Intl.NumberFormat costs far
 * more than using one, and using one still costs a microsecond or two: a task list page formats eight numbers per
 * row. So safe integers, the only numbers the pages count, are grouped by hand when the locale's own format of a
 * few samples is exactly that grouping (true of en and zh-CN); anything else goes through Intl.
 */
export function numberFormatter(locale: string): (n: number) => string {
  let format = formatters.get(locale);
  if (!format) {
    const intl = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    const separator = intl.format(1000).charAt(1);
    const byHand = [0, 7, 999, 1000, 12_400, 1_000_000, -1234, 987_654_321_012].every((n) => intl.format(n) === groupDigits(n, separator));
    format = byHand
      ? (n) => (Number.isSafeInteger(n) && !Object.is(n, -0) ? groupDigits(n, separator) : intl.format(n))
      : (n) => intl.format(n);
    formatters.set(locale, format);
  }
  return format;
}

/** A message's params with its counts (see FieldError.counts) added, grouped by `format`. */
export function messageParams(message: { params?: Params; counts?: Record<string, number> }, format: (n: number) => string): Params | undefined {
  if (!message.counts) return message.params;
  const params: Params = { ...message.params };
  for (const [name, n] of Object.entries(message.counts)) params[name] = format(n);
  return params;
}
