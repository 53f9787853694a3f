import type { Request } from 'express';

/** What the 503 "database busy" page needs to offer the same form again. */
export interface Repost {
  action: string;
  fields: Array<[string, string]>;
  multipart: boolean;
  /** The file inputs of a multipart form: a browser cannot be handed a file back, so they are asked for again. */
  fileFields: string[];
}

/**
 * A form POST that met a locked database is offered again as it was sent: its fields become hidden inputs of a
 * form posting to the same URL (with a fresh CSRF token), so "Try again" loses nothing but a chosen file.
 */
export function repostOf(req: Request): Repost | undefined {
  if (req.method !== 'POST') return undefined;
  const body = (req.body ?? {}) as Record<string, unknown>;
  const fields: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(body)) {
    if (name === '_csrf') continue;
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') fields.push([name, v]);
  }
  const file = (req as Request & { file?: { fieldname: string } }).file;
  const multipart = Boolean(req.is('multipart/form-data'));
  return { action: req.originalUrl, fields, multipart, fileFields: multipart ? [file?.fieldname ?? 'file'] : [] };
}
