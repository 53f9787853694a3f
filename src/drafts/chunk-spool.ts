/**
 * A draft's packed chunks as they arrive from the import worker, held in memory up to a budget and written to a file
 * past it (issue 15). A 1,000,000-row import packs to about 151 MB; held on the main thread until the draft was
 * stored, they were a sixth of the server's peak RSS while the worker was at its own peak. The file is unlinked as
 * soon as it is opened (only its descriptor reaches it, and nothing is left behind by a crash); the draft's insert
 * reads the chunks back one at a time, in its one transaction as before, so a refused or failed import still leaves
 * nothing stored. A 100,000-row import (15 MB) stays within the budget and never touches the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ReworkedChunks, type PackedChunkList } from './recipient-chunks';

/** 32 MB: a 200,000-row import in memory, as before; only the larger ones are spooled. */
export const DEFAULT_SPOOL_MEMORY_BYTES = 32 * 1024 * 1024;

// A spool dropped without release() (a request that failed between the check and the draft) closes its file when
// it is collected, so no descriptor leaks.
const descriptors = new FinalizationRegistry<{ fd: number | null }>((held) => {
  if (held.fd !== null) fs.close(held.fd, () => undefined);
});

export class ChunkSpool implements PackedChunkList {
  /** A chunk in memory, or its [offset, length] in the file. */
  private readonly chunks: (Buffer | [number, number])[] = [];
  private memoryBytes = 0;
  private fileBytes = 0;
  private readonly file: { fd: number | null } = { fd: null };

  constructor(
    private readonly dir: string,
    private readonly memoryBudget = DEFAULT_SPOOL_MEMORY_BYTES,
  ) {
    descriptors.register(this, this.file, this);
  }

  get length(): number {
    return this.chunks.length;
  }

  /** Bytes written to the file so far (0 while everything fits in memory). */
  get spilledBytes(): number {
    return this.fileBytes;
  }

  push(chunk: Buffer): void {
    if (this.file.fd === null && this.memoryBytes + chunk.length <= this.memoryBudget) {
      this.chunks.push(chunk);
      this.memoryBytes += chunk.length;
      return;
    }
    const fd = this.file.fd ?? this.open();
    let at = 0;
    while (at < chunk.length) at += fs.writeSync(fd, chunk, at, chunk.length - at, this.fileBytes + at);
    this.chunks.push([this.fileBytes, chunk.length]);
    this.fileBytes += chunk.length;
  }

  at(index: number): Buffer | undefined {
    const place = this.chunks.at(index);
    if (place === undefined || Buffer.isBuffer(place)) return place;
    const [offset, length] = place;
    if (this.file.fd === null) throw new Error('the chunk spool was released');
    const bytes = Buffer.allocUnsafe(length);
    let at = 0;
    while (at < length) {
      const n = fs.readSync(this.file.fd, bytes, at, length - at, offset + at);
      if (n === 0) throw new Error('the chunk spool is shorter than written');
      at += n;
    }
    return bytes;
  }

  /** Closes the file and forgets the chunks; the spool is empty afterwards. */
  release(): void {
    this.chunks.length = 0;
    this.memoryBytes = 0;
    const { fd } = this.file;
    this.file.fd = null;
    descriptors.unregister(this);
    if (fd !== null) fs.closeSync(fd);
  }

  private open(): number {
    const name = path.join(this.dir, `.chunks-${randomBytes(8).toString('hex')}`);
    const fd = fs.openSync(name, 'wx+', 0o600);
    fs.unlinkSync(name);
    this.file.fd = fd;
    return fd;
  }
}

/** Lets go of a pack's spool file, if it has one (after its draft is stored, or when it is not used). */
export function releaseChunks(chunks: PackedChunkList): void {
  if (chunks instanceof ChunkSpool) chunks.release();
  else if (chunks instanceof ReworkedChunks) releaseChunks(chunks.source);
}
