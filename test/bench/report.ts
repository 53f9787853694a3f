/** Plain-text output: a progress line per measurement, then one aligned table. */

export type Cell = string | number;

export function fmtMs(ms: number): string {
  return Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : 'n/a';
}

export function fmtMb(mb: number): string {
  return Number.isFinite(mb) ? `${mb.toFixed(0)} MB` : 'n/a';
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a';
}

export function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'MISS';
}

export function log(line: string): void {
  process.stdout.write(line + '\n');
}

export function table(headers: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  const rule = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|';
  return [line(headers), rule, ...text.map(line)].join('\n');
}
