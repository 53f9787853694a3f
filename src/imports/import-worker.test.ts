import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChunkSpool } from '../drafts/chunk-spool';
import type { ImportLimits, ImportProgress } from './import-types';
import { parseAndCheck, parseImportFile } from './import-worker';
import { csvOf, passwordProtectedXlsx, recipientRows, SAMPLE_EXPECTED, SAMPLES_DIR, TWO_VARIABLES, xlsxOf } from '../../test/fixtures/imports/build';
import { CHUNK_ROWS, chunkBuffers, parseChunk } from '../drafts/recipient-chunks';

const LIMITS: ImportLimits = { maxRows: 100_000, maxBytes: 10 * 1024 * 1024 };

/** Counts the main thread's timer ticks and the longest gap between them while `work` runs. */
async function whileTicking<T>(work: () => Promise<T>): Promise<{ value: T; ticks: number; longestGapMs: number; ms: number }> {
  let ticks = 0;
  let longestGapMs = 0;
  const started = Date.now();
  let last = started;
  const timer = setInterval(() => {
    const now = Date.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    ticks += 1;
  }, 10);
  try {
    const value = await work();
    return { value, ticks, longestGapMs, ms: Date.now() - started };
  } finally {
    clearInterval(timer);
  }
}

describe('imports in a worker thread', () => {
  let bigXlsx: Buffer;
  let bigCsv: Buffer;

  beforeAll(() => {
    const rows = recipientRows(100_000);
    bigXlsx = xlsxOf(rows);
    bigCsv = csvOf(rows);
  });

  test('parseAndCheck gives the README check for a sample, and leaves the caller’s buffer intact', async () => {
    const buf = fs.readFileSync(path.join(SAMPLES_DIR, 'recipients-2vars-gbk.csv'));
    const copy = Buffer.from(buf);
    const phases: string[] = [];
    const result = await parseAndCheck(buf, 'recipients-2vars-gbk.csv', LIMITS, TWO_VARIABLES, { onProgress: (p) => phases.push(p.phase) });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    expect(result).toMatchObject({ format: 'csv', headerSkipped: true });
    const valid = chunkBuffers(result.recipients.chunks).flatMap(parseChunk);
    expect(valid.map((r) => r[0])).toEqual(SAMPLE_EXPECTED.validRows);
    expect(result.recipients.count).toBe(7);
    expect(result.report.invalid.map(({ rowNumber, problem }) => ({ rowNumber, problem }))).toEqual(SAMPLE_EXPECTED.invalid);
    expect(result.report).toMatchObject({ duplicatesRemoved: 1, repeatedNumbers: 1, rowsRead: 12, totalMessages: 7 });
    // As the draft stores it: [row number, phone, params, the signed message, chars, segments].
    expect(valid[0]).toEqual([2, '13800138000', ['张三', 'A1001'], '【测试】尊敬的张三，您的订单A1001已发货，请注意查收。', 29, 1]);
    expect(result.recipients.totalChars).toBe(valid.reduce((n, r) => n + r[4], 0));
    expect(phases).toEqual(expect.arrayContaining(['reading', 'checking', 'sending']));
    expect(buf.equals(copy)).toBe(true);
  });

  test('an import error comes back as the same error', async () => {
    expect(await parseAndCheck(passwordProtectedXlsx(), 'locked.xlsx', LIMITS, TWO_VARIABLES)).toEqual({ ok: false, error: { code: 'encrypted' } });
    expect(await parseImportFile(Buffer.alloc(0), 'empty.csv', LIMITS)).toEqual({ ok: false, error: { code: 'empty_file' } });
  });

  test('a worker that does not finish in time is stopped and reported, not left running', async () => {
    const result = await parseImportFile(bigXlsx, 'big.xlsx', { ...LIMITS, timeoutMs: 1 });
    expect(result).toEqual({ ok: false, error: { code: 'corrupt', params: { reason: 'timeout' } } });
  });

  test('files at the same time each get their own answer; after a timeout the next file is read as usual', async () => {
    const sample = fs.readFileSync(path.join(SAMPLES_DIR, 'recipients-2vars-gbk.csv'));
    const other = Buffer.from('手机号码,姓名,订单号\n13900139000,李四,B1\n', 'utf8');
    const [a, b, c] = await Promise.all([
      parseAndCheck(sample, 'a.csv', LIMITS, TWO_VARIABLES),
      parseAndCheck(other, 'b.csv', LIMITS, TWO_VARIABLES),
      parseAndCheck(sample, 'c.csv', LIMITS, TWO_VARIABLES),
    ]);
    for (const r of [a, b, c]) if (!r.ok) throw new Error(JSON.stringify(r.error));
    const phones = (r: typeof a) => (r.ok ? chunkBuffers(r.recipients.chunks).flatMap(parseChunk).map((row) => row[1]) : []);
    expect(phones(a)).toHaveLength(7);
    expect(phones(c)).toEqual(phones(a));
    expect(phones(b)).toEqual(['13900139000']);
    expect(await parseImportFile(bigXlsx, 'big.xlsx', { ...LIMITS, timeoutMs: 1 })).toMatchObject({ ok: false, error: { code: 'corrupt' } });
    expect(phones(await parseAndCheck(other, 'b.csv', LIMITS, TWO_VARIABLES))).toEqual(['13900139000']);
  });

  test('parseImportFile: 100,000 rows of .xlsx while the main thread keeps ticking', async () => {
    const progress: ImportProgress[] = [];
    const { value, ticks, longestGapMs, ms } = await whileTicking(() => parseImportFile(bigXlsx, 'big.xlsx', LIMITS, (p) => progress.push(p)));
    if (!value.ok) throw new Error(JSON.stringify(value.error));
    console.log(`parseImportFile, 100,000-row .xlsx (${bigXlsx.length} bytes): ${ms} ms; main thread ticked ${ticks} times, longest gap ${longestGapMs} ms`);
    expect(value.rows).toHaveLength(100_000);
    expect(value.rows[99_999]).toEqual({ rowNumber: 100_001, cells: [String(13000000000 + 99_999 * 7), '客户99999', 'B199999'] });
    expect(ticks).toBeGreaterThan(5);
    expect(progress[0]).toEqual({ phase: 'reading' });
  });

  test.each([
    ['big.xlsx', () => bigXlsx],
    ['big.csv', () => bigCsv],
  ])('parseAndCheck: 100,000 rows of %s, parsed and checked off the main thread', async (fileName, load) => {
    const buf = load();
    const { value, ticks, longestGapMs, ms } = await whileTicking(() => parseAndCheck(buf, fileName, LIMITS, TWO_VARIABLES));
    if (!value.ok) throw new Error(JSON.stringify(value.error));
    console.log(`parseAndCheck, 100,000-row ${fileName} (${buf.length} bytes): ${ms} ms; main thread ticked ${ticks} times, longest gap ${longestGapMs} ms`);
    expect(value.recipients.count).toBe(100_000);
    expect(value.recipients.chunks).toHaveLength(100_000 / CHUNK_ROWS);
    expect(parseChunk(value.recipients.chunks.at(-1)!).at(-1)![0]).toBe(100_001);
    expect(value.report.totalSegments).toBe(100_000);
    expect(ticks).toBeGreaterThan(5);
  });

  test('an uploaded file past the spool budget: its chunks go to a file as they come, and read back the same', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-spool-import-'));
    try {
      const file = path.join(dir, 'upload');
      fs.writeFileSync(file, bigCsv);
      const spooled = await parseAndCheck({ path: file }, 'big.csv', LIMITS, TWO_VARIABLES, { spoolMemoryBytes: 1024 * 1024 });
      const held = await parseAndCheck(bigCsv, 'big.csv', LIMITS, TWO_VARIABLES);
      if (!spooled.ok || !held.ok) throw new Error('refused');
      expect(spooled.recipients.chunks).toBeInstanceOf(ChunkSpool);
      const spool = spooled.recipients.chunks as ChunkSpool;
      expect(spool.spilledBytes).toBeGreaterThan(10 * 1024 * 1024);
      expect(chunkBuffers(spool)).toEqual(chunkBuffers(held.recipients.chunks));
      expect(fs.readdirSync(dir)).toEqual(['upload']);
      spool.release();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
