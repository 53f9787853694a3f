const formats = new Map<string, Intl.NumberFormat>();

/**
 * Whole numbers grouped the way the UI language writes them ("12,400"). Building an Intl.NumberFormat costs far
 * more than using one, and a list page formats several numbers per row: one formatter per locale.
 */
export function numberFormatter(locale: string): (n: number) => string {
  let format = formats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    formats.set(locale, format);
  }
  const f = format;
  return (n) => f.format(n);
}
