import type { Request } from 'express';
import { csrfSync } from 'csrf-sync';

const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: (req: Request) =>
    (req.body && typeof req.body._csrf === 'string' ? req.body._csrf : undefined) ??
    (req.headers['x-csrf-token'] as string | undefined),
  // Multipart bodies are only readable after multer runs, so upload routes apply `csrfProtection` themselves
  // right after the upload middleware. The JSON API authenticates with bearer keys, not cookies.
  skipCsrfProtection: (req: Request) => req.path.startsWith('/api/') || Boolean(req.is('multipart/form-data')),
  errorConfig: { statusCode: 403, message: 'invalid csrf token', code: 'EBADCSRFTOKEN' },
});

const { csrfSynchronisedProtection: uploadCsrfProtection } = csrfSync({
  getTokenFromRequest: (req: Request) =>
    (req.body && typeof req.body._csrf === 'string' ? req.body._csrf : undefined) ??
    (req.headers['x-csrf-token'] as string | undefined),
  errorConfig: { statusCode: 403, message: 'invalid csrf token', code: 'EBADCSRFTOKEN' },
});

export const csrfProtection = csrfSynchronisedProtection;
export { uploadCsrfProtection, generateToken as csrfToken };
