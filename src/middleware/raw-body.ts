import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';

/**
 * The request body's bytes as received, kept beside the parsed JSON (express.json's `verify` hook): the API's task
 * create hands them to the import worker, which reads the recipients itself, rather than copying 100,000 parsed
 * objects across threads. Kept only for UTF-8 bodies, the bytes then being exactly the JSON text.
 */
const rawBodies = new WeakMap<IncomingMessage, Buffer>();

export function keepRawBody(req: IncomingMessage, _res: unknown, buf: Buffer, encoding: string): void {
  if (/^utf-?8$/i.test(encoding)) rawBodies.set(req, buf);
}

export function rawBodyOf(req: Request): Buffer | undefined {
  return rawBodies.get(req);
}
