import type { Request, Response } from 'express';
import multer from 'multer';
import type { FieldError } from '../validators/validation';
import { uploadCsrfProtection } from './csrf';

// 100,000 typed numbers with separators are about 1.3 MB; the default 1 MB field limit would cut them off.
const MAX_FIELD_BYTES = 4 * 1024 * 1024;

export type UploadOutcome = { ok: true } | { ok: false; status: number; error: FieldError };

/**
 * Reads a multipart form with one optional `file`, kept in memory up to `maxBytes` (the limit is a setting,
 * so multer is configured per request). A file over the limit becomes a field message with status 413
 * instead of a reset connection. The CSRF token is checked as soon as the body is readable.
 */
export async function receiveUpload(req: Request, res: Response, maxBytes: number): Promise<UploadOutcome> {
  const upload = multer({
    storage: multer.memoryStorage(),
    defParamCharset: 'utf8',
    limits: { fileSize: maxBytes, files: 1, fields: 30, fieldSize: MAX_FIELD_BYTES, parts: 40 },
  }).single('file');
  const failure = await new Promise<unknown>((resolve) => upload(req, res, (err: unknown) => resolve(err)));
  if (failure) {
    if (failure instanceof multer.MulterError) {
      if (failure.code === 'LIMIT_FILE_SIZE') {
        return { ok: false, status: 413, error: { key: 'tasks.errors.fileTooLarge', params: { mb: Math.round((maxBytes / 1048576) * 100) / 100 } } };
      }
      return { ok: false, status: 400, error: { key: 'tasks.errors.uploadRejected' } };
    }
    return { ok: false, status: 400, error: { key: 'tasks.errors.uploadRejected' } };
  }
  await new Promise<void>((resolve, reject) => uploadCsrfProtection(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
  return { ok: true };
}
