import zlib from 'node:zlib';
import { PassThrough, Writable } from 'node:stream';
import * as XLSX from 'xlsx';
import { columnName, xmlText, XlsxStreamWriter, type XlsxCell } from './xlsx-stream.service';

/** Runs the writer into memory and returns the file. */
async function build(header: string[], batches: XlsxCell[][][], widths?: number[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const writer = new XlsxStreamWriter(out, { sheetName: 'messages', header, widths });
  await writer.begin();
  for (const rows of batches) await writer.addRows(rows);
  await writer.end();
  out.end();
  return Buffer.concat(chunks);
}

test('date cells: the serial as a number, shown with the date-time format', async () => {
  // 2026-12-05 09:30:15 as a 1900-system serial.
  const serial = (Date.UTC(2026, 11, 5, 9, 30, 15) - Date.UTC(1899, 11, 30)) / 86_400_000;
  const sheet = XLSX.read(await build(['at'], [[[{ date: serial }]]])).Sheets.messages;
  expect(sheet.A2).toMatchObject({ t: 'n', v: serial, w: '2026-12-05 09:30:15' });
  const withDates = XLSX.read(await build(['at'], [[[{ date: serial }]]]), { cellDates: true }).Sheets.messages;
  expect(withDates.A2.t).toBe('d');
});

test('column names', () => {
  expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnName)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
});

test('XML text: escaped, and characters XML cannot carry are dropped', () => {
  expect(xmlText('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  expect(xmlText('x\u0000\u0007y\tz\n')).toBe('xy\tz\n');
  expect(xmlText('😀 \uD83D end')).toBe('😀  end');
});

test('SheetJS reads the streamed workbook back: header, text, numbers, empty cells', async () => {
  const buf = await build(
    ['Phone', 'Content', 'Chars'],
    [[['13800138000', '【签名】你好 <b>&', 12], ['13900139000', null, 75]], [['13700137000', '多\n行', 3]]],
    [14, 60, 8],
  );
  const book = XLSX.read(buf);
  expect(book.SheetNames).toEqual(['messages']);
  const sheet = book.Sheets.messages;
  expect(XLSX.utils.sheet_to_json(sheet, { header: 1, defval: null })).toEqual([
    ['Phone', 'Content', 'Chars'],
    ['13800138000', '【签名】你好 <b>&', 12],
    ['13900139000', null, 75],
    ['13700137000', '多\n行', 3],
  ]);
  expect(sheet.A2.t).toBe('s');
  expect(sheet.C2.t).toBe('n');
});

test('text that looks like a formula stays text as it is: an inline string is never a formula, no apostrophe', async () => {
  const values = ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)', '\tx', '\ry', 'plain', '1+1'];
  const sheet = XLSX.read(await build(['v'], [values.map((v) => [v])])).Sheets.messages;
  const read = values.map((_, i) => sheet[`A${i + 2}`]);
  expect(read.map((c) => c.v)).toEqual(values);
  for (const c of read) {
    expect(c.t).toBe('s');
    expect(c.f).toBeUndefined();
  }
});

test('a zip every reader accepts: entries, CRCs and the central directory agree', async () => {
  const rows = Array.from({ length: 3000 }, (_, i) => [`1380013${String(i).padStart(4, '0')}`, `内容 ${i}`, i]);
  const buf = await build(['a', 'b', 'c'], [rows.slice(0, 1000), rows.slice(1000)]);
  // End of central directory: entry count and where the directory starts.
  const eocd = buf.length - 22;
  expect(buf.readUInt32LE(eocd)).toBe(0x06054b50);
  const entries = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < entries; i += 1) {
    expect(buf.readUInt32LE(at)).toBe(0x02014b50);
    const crc = buf.readUInt32LE(at + 16);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const local = buf.readUInt32LE(at + 42);
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLength));
    const dataStart = local + 30 + buf.readUInt16LE(local + 26);
    const data = zlib.inflateRawSync(buf.subarray(dataStart, dataStart + compressed));
    expect(data.length).toBe(size);
    expect(zlib.crc32(data)).toBe(crc);
    at += 46 + nameLength;
  }
  expect(names).toEqual(['[Content_Types].xml', '_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']);
  expect(XLSX.utils.sheet_to_json(XLSX.read(buf).Sheets.messages, { header: 1 })).toHaveLength(3001);
});

test('waits for a slow reader instead of buffering, and stops when the reader goes away', async () => {
  let received = 0;
  const slow = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, done) {
      received += chunk.length;
      setImmediate(done);
    },
  });
  const writer = new XlsxStreamWriter(slow, { sheetName: 's', header: ['x'] });
  await writer.begin();
  const rows = Array.from({ length: 2000 }, (_, i) => [`row ${i} ${'x'.repeat(50)}`]);
  await writer.addRows(rows);
  expect(slow.writableLength).toBeLessThan(64 * 1024);
  slow.destroy();
  await expect((async () => {
    for (let i = 0; i < 50; i += 1) await writer.addRows(rows);
  })()).rejects.toThrow('export output closed');
  expect(received).toBeGreaterThan(0);
});
