import fs from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';

/** The README at the repository's root: two levels above this file, in src/handlers and in dist/handlers alike. */
const README = path.join(__dirname, '..', '..', 'README.md');

/**
 * The README's "## API" section, up to the next second-level heading. The README stays the one text of the API
 * reference; the page shows that section as it is written (Markdown is plain enough to read as text).
 */
export function apiSection(readme: string): string {
  const start = readme.search(/^## API\s*$/m);
  if (start < 0) return '';
  const rest = readme.slice(start);
  const next = rest.slice(1).search(/^## /m);
  return (next < 0 ? rest : rest.slice(0, next + 1)).trim();
}

let cached: string | undefined;

/** GET /api-docs: read once, on the first request (the README does not change under a running process). */
export function apiDocsHandler(_req: Request, res: Response) {
  cached ??= apiSection(fs.readFileSync(README, 'utf8'));
  res.render('pages/api-docs/index', { title: res.locals.t('apiDocs.title'), reference: cached });
}
