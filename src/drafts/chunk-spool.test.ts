import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChunkSpool, releaseChunks } from './chunk-spool';
import { ReworkedChunks } from './recipient-chunks';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-spool-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const chunk = (n: number, size: number) => Buffer.alloc(size, n);

describe('ChunkSpool', () => {
  it('holds chunks in memory up to its budget, spools the rest, and gives every chunk back in order', () => {
    const spool = new ChunkSpool(dir, 250);
    const written = [chunk(1, 100), chunk(2, 100), chunk(3, 100), chunk(4, 7), chunk(5, 100)];
    for (const c of written) spool.push(c);
    expect(spool.length).toBe(5);
    // The third chunk does not fit in 250 bytes: it and every later one (even a small one) go to the file.
    expect(spool.spilledBytes).toBe(207);
    for (let i = 0; i < written.length; i += 1) expect(spool.at(i)).toEqual(written[i]);
    expect(spool.at(-1)).toEqual(written[4]);
    expect(spool.at(5)).toBeUndefined();
    // The file is unlinked at once: nothing is left in the folder, even before the spool is released.
    expect(fs.readdirSync(dir)).toEqual([]);
    spool.release();
    expect(spool.length).toBe(0);
  });

  it('within its budget never opens a file', () => {
    const spool = new ChunkSpool(path.join(dir, 'missing'), 1000);
    spool.push(chunk(1, 500));
    spool.push(chunk(2, 500));
    expect(spool.spilledBytes).toBe(0);
    expect(spool.at(1)).toEqual(chunk(2, 500));
  });

  it('is released through a reworked list built over it', () => {
    const spool = new ChunkSpool(dir, 0);
    spool.push(chunk(1, 10));
    spool.push(chunk(2, 10));
    const reworked = new ReworkedChunks(spool, [chunk(9, 3), 1]);
    expect(reworked.length).toBe(2);
    expect(reworked.at(0)).toEqual(chunk(9, 3));
    expect(reworked.at(1)).toEqual(chunk(2, 10));
    releaseChunks(reworked);
    expect(spool.length).toBe(0);
  });
});
