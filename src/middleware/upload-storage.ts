/**
 * Where uploaded files wait while they are imported: `DATA_DIR/uploads`, readable by the app's user only. Files are
 * streamed there by multer (instead of being held in memory) and every request removes its own file when it ends,
 * whatever the outcome; `sweepUploadDir` clears what a crashed process left behind.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { ensurePrivateDir } from '../private-dir';

const UPLOAD_SUBDIR = 'uploads';
/** Every file this module writes has this suffix, so a sweep removes nothing else. */
const SUFFIX = '.upload';

export function uploadDir(dataDir: string): string {
  return path.join(dataDir, UPLOAD_SUBDIR);
}

/** Called once at start: no request is running yet, so every upload file found is a leftover. */
export function sweepUploadDir(dataDir: string): number {
  const dir = uploadDir(dataDir);
  ensurePrivateDir(dir);
  let removed = 0;
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith(SUFFIX)) continue;
    fs.rmSync(path.join(dir, name), { force: true });
    removed += 1;
  }
  return removed;
}

/** The files a request has written, so they can be removed when it ends. */
const written = new WeakMap<Request, Set<string>>();

export function removeRequestFiles(req: Request): Promise<void> {
  const files = written.get(req);
  if (!files || files.size === 0) return Promise.resolve();
  const paths = [...files];
  files.clear();
  return Promise.all(paths.map((p) => fs.promises.rm(p, { force: true }))).then(() => undefined);
}

/**
 * A multer storage engine writing each file to `dir` with mode 0600 under a random name. multer enforces the size
 * limit on the stream it hands over; a stream that fails (limit, client gone) has its file removed here.
 */
export function tempFileStorage(dir: string): StorageEngine {
  let ready = false;
  return {
    _handleFile(req, file, cb) {
      if (!ready) {
        ensurePrivateDir(dir);
        ready = true;
      }
      const target = path.join(dir, crypto.randomBytes(16).toString('hex') + SUFFIX);
      let files = written.get(req);
      if (!files) written.set(req, (files = new Set()));
      files.add(target);
      const out = fs.createWriteStream(target, { flags: 'wx', mode: 0o600 });
      let size = 0;
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        file.stream.unpipe(out);
        out.destroy();
        fs.rm(target, { force: true }, () => cb(err));
      };
      file.stream.on('data', (chunk: Buffer) => (size += chunk.length));
      file.stream.on('error', fail);
      out.on('error', fail);
      out.on('finish', () => {
        if (!failed) cb(null, { path: target, size });
      });
      file.stream.pipe(out);
    },
    _removeFile(req, file, cb) {
      written.get(req)?.delete(file.path);
      fs.rm(file.path, { force: true }, (err) => cb(err));
    },
  };
}
