/**
 * One CSV cell. A value that a spreadsheet would run as a formula (starting with = + - @ or a tab / carriage
 * return) is prefixed with an apostrophe so it opens as text; quotes are doubled as RFC 4180 asks.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
