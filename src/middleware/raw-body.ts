import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import iconv from 'iconv-lite';

/**
 * The body of `POST /api/v1/tasks`, read but not parsed: the import worker parses it (src/imports/import.worker.ts),
 * so that 100,000 recipients of JSON are never turned into objects on the thread that serves every request. The
 * checks express.json would make before parsing are made here, with its answers: a charset that is not UTF-*
 * (415), a body that does not start with `{` or `[` (400; strict JSON); an empty body stands for `{}`. A body that is
 * not JSON at all is found by the worker (400 too). Without a JSON content type there is no body, as with
 * express.json. UTF-16 and UTF-32 bodies are re-encoded as UTF-8, the one encoding the worker reads.
 */
const rawBodies = new WeakMap<Request, Buffer>();
const EMPTY_OBJECT = Buffer.from('{}');

function clientError(status: number, message: string, type: string): Error {
  return Object.assign(new Error(message), { status, statusCode: status, expose: true, type });
}

function charsetOf(req: Request): string {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(req.get('content-type') ?? '');
  return (match ? match[1] : 'utf-8').toLowerCase();
}

/** JSON's whitespace: space, tab, line feed, carriage return. */
function firstNonWhitespace(bytes: Buffer): number {
  let at = 0;
  while (at < bytes.length && (bytes[at] === 0x20 || bytes[at] === 0x09 || bytes[at] === 0x0a || bytes[at] === 0x0d)) at += 1;
  return at;
}

export function rawJsonBody(limit: string): RequestHandler {
  const read = express.raw({ type: 'application/json', limit });
  return (req: Request, res: Response, next: NextFunction) => {
    read(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (!Buffer.isBuffer(req.body)) {
        req.body = undefined;
        return next();
      }
      const charset = charsetOf(req);
      if (!charset.startsWith('utf-') || !iconv.encodingExists(charset)) {
        return next(clientError(415, `unsupported charset "${charset.toUpperCase()}"`, 'charset.unsupported'));
      }
      let bytes: Buffer = req.body;
      if (charset !== 'utf-8' && charset !== 'utf8') bytes = Buffer.from(iconv.decode(bytes, charset), 'utf8');
      req.body = undefined;
      // A byte-order mark is dropped, as the decoder express.json uses does.
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      if (bytes.length === 0) bytes = EMPTY_OBJECT;
      const first = bytes[firstNonWhitespace(bytes)];
      if (first !== 0x7b && first !== 0x5b) return next(clientError(400, 'JSON body must be an object or an array', 'entity.parse.failed'));
      rawBodies.set(req, bytes);
      next();
    });
  };
}

/** The JSON body's bytes (UTF-8), or undefined when the request had no JSON body. */
export function rawBodyOf(req: Request): Buffer | undefined {
  return rawBodies.get(req);
}
