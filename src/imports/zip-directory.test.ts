import zlib from 'node:zlib';
import { zipOf } from '../../test/fixtures/imports/build';
import { inflateEntry, inflateEntryStart, readZipDirectory } from './zip-directory';

const HELLO = Buffer.from('hello, '.repeat(1000));

describe('readZipDirectory', () => {
  test('lists the parts with their sizes, without unpacking them', () => {
    const zip = zipOf([
      { name: 'a.xml', data: HELLO },
      { name: 'dir/b.xml', data: Buffer.from('b') },
    ]);
    const entries = readZipDirectory(zip);
    expect(entries?.map((e) => [e.name, e.method, e.uncompressedSize])).toEqual([
      ['a.xml', 8, HELLO.length],
      ['dir/b.xml', 8, 1],
    ]);
    expect(entries![0].compressedSize).toBe(zlib.deflateRawSync(HELLO, { level: 9 }).length);
  });

  test('reads sizes from a ZIP64 extra field, including a claim over 4 GB', () => {
    const entries = readZipDirectory(zipOf([{ name: 'big.xml', data: HELLO, zip64: true, claimedSize: 5 * 2 ** 30 }]));
    expect(entries?.[0].uncompressedSize).toBe(5 * 2 ** 30);
  });

  test.each([
    ['no end record', Buffer.from('PK\u0003\u0004 not really a zip')],
    ['a truncated archive', zipOf([{ name: 'a.xml', data: HELLO }]).subarray(0, 60)],
    ['a directory pointing past the end', (() => {
      const zip = zipOf([{ name: 'a.xml', data: HELLO }]);
      zip.writeUInt32LE(zip.length, zip.length - 6);
      return zip;
    })()],
  ])('null for %s', (_name, buf) => {
    expect(readZipDirectory(buf)).toBeNull();
  });
});

describe('inflateEntry and inflateEntryStart', () => {
  test('unpacks a part, and only its start when asked', () => {
    const xml = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `<row r="${i}"><c><v>${i * 7919}</v></c></row>`).join(''));
    const zip = zipOf([{ name: 'a.xml', data: xml }]);
    const [entry] = readZipDirectory(zip)!;
    expect(inflateEntry(zip, entry)).toEqual({ ok: true, data: xml });
    const start = inflateEntryStart(zip, entry, 1024);
    expect(start.length).toBeGreaterThan(1024);
    expect(start.length).toBeLessThan(xml.length);
    expect(xml.subarray(0, start.length).equals(start)).toBe(true);
  });

  test('stops at the claimed size when a part holds more', () => {
    const zip = zipOf([{ name: 'a.xml', data: HELLO, claimedSize: 100 }]);
    expect(inflateEntry(zip, readZipDirectory(zip)![0])).toEqual({ ok: false, reason: 'too_big' });
  });

  test('a part holding less than it claims is a damaged archive', () => {
    const zip = zipOf([{ name: 'a.xml', data: HELLO, claimedSize: HELLO.length + 1 }]);
    expect(inflateEntry(zip, readZipDirectory(zip)![0])).toEqual({ ok: false, reason: 'size_mismatch' });
  });
});
