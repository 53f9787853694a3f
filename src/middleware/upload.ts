import type { Request, Response } from 'express';
import multer from 'multer';
import type { FieldError } from '../validators/validation';
import { uploadCsrfProtection } from './csrf';
import { removeRequestFiles, tempFileStorage } from './upload-storage';

// 100,000 typed numbers with separators are about 1.3 MB; the default 1 MB field limit would cut them off.
const MAX_FIELD_BYTES = 4 * 1024 * 1024;

export const DEFAULT_UPLOAD_IDLE_MS = 30_000;
/** A 10 MB file at 20 KB/s still makes it; a body trickling in for longer is a client holding the server. */
export const DEFAULT_UPLOAD_TOTAL_MS = 10 * 60_000;

export type UploadOutcome = { ok: true } | { ok: false; status: number; error: FieldError } | { ok: false; aborted: true };

export interface UploadOptions {
  maxBytes: number;
  /** Where the file is written (DATA_DIR/uploads). */
  dir: string;
  /** No byte of the body for this long: the request is aborted. */
  idleMs?: number;
  /** The whole body not received after this long: the request is aborted. */
  totalMs?: number;
}

/**
 * Reads a multipart form with one optional `file`, streamed to a temporary file (upload-storage.ts) up to
 * `maxBytes` (the limit is a setting, so multer is configured per request). A file over the limit becomes a field
 * message with status 413 instead of a reset connection. The CSRF token is checked as soon as the body is readable.
 *
 * The file is removed when the response ends or the connection closes, whatever happened in between (success,
 * form errors, a refused CSRF token, a worker crash, a client that went away). A body that stalls for `idleMs`, or
 * takes over `totalMs` in all, is aborted: its connection is closed (`{ aborted: true }`, nothing to render).
 */
export async function receiveUpload(req: Request, res: Response, options: UploadOptions): Promise<UploadOutcome> {
  res.once('close', () => void removeRequestFiles(req));
  const upload = multer({
    storage: tempFileStorage(options.dir),
    defParamCharset: 'utf8',
    limits: { fileSize: options.maxBytes, files: 1, fields: 30, fieldSize: MAX_FIELD_BYTES, parts: 40 },
  }).single('file');

  let stalled = false;
  const failure = await new Promise<unknown>((resolve) => {
    const abort = () => {
      stalled = true;
      stopTimers();
      // multer sees the closed request, stops writing and removes the partial file; the file set is cleared too.
      req.destroy();
      void removeRequestFiles(req);
      resolve(new Error('upload timed out'));
    };
    const total = setTimeout(abort, options.totalMs ?? DEFAULT_UPLOAD_TOTAL_MS);
    // The socket's own inactivity timer: it is reset by every byte received, and nothing is sent while the body arrives.
    req.setTimeout(options.idleMs ?? DEFAULT_UPLOAD_IDLE_MS, abort);
    const stopTimers = () => {
      clearTimeout(total);
      req.setTimeout(0);
      req.removeListener('timeout', abort);
    };
    upload(req, res, (err: unknown) => {
      stopTimers();
      resolve(err);
    });
  });
  if (stalled) return { ok: false, aborted: true };
  if (failure) {
    if (failure instanceof multer.MulterError && failure.code === 'LIMIT_FILE_SIZE') {
      return { ok: false, status: 413, error: { key: 'tasks.errors.fileTooLarge', params: { mb: Math.round((options.maxBytes / 1048576) * 100) / 100 } } };
    }
    return { ok: false, status: 400, error: { key: 'tasks.errors.uploadRejected' } };
  }
  try {
    await new Promise<void>((resolve, reject) => uploadCsrfProtection(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
  } catch (err) {
    // Before the 403 is sent: a refused request leaves nothing behind by the time its answer arrives.
    await removeRequestFiles(req);
    throw err;
  }
  return { ok: true };
}

/** The uploaded file is done with (read by the import): removed now rather than when the response ends. */
export const discardUpload = removeRequestFiles;
