/**
 * A value a spreadsheet would run as a formula (starting with = + - @ or a tab / carriage return) gets an
 * apostrophe in front so it opens as text. CSV only: an .xlsx text cell is an inline string, never a formula.
 */
export function formulaSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One CSV cell: formula-safe, and quoted (quotes doubled) as RFC 4180 asks when it holds , " or a line break. */
export function csvCell(value: string): string {
  const safe = formulaSafe(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
