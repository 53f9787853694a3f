import { packRecipients, parseChunk, type PackedRow } from './recipient-chunks';
import { removePackedRows } from './packed-removal';
import type { ValidRecipient } from '../sms/recipient-check';

const r = (rowNumber: number, phone: string, params: string[] = [], message = 'm'): ValidRecipient => ({ rowNumber, phone, params, message, chars: message.length, segments: 1 });

describe('removePackedRows', () => {
  const rows = [
    r(1, '13800138001', ['13800138002', 'x"y'], '【s】a'),
    r(2, '13800138002', [',"13800138003",'], '[3,"13800138003",'),
    r(3, '13800138003', ['],[9,"13800138004",'], 'c'),
    r(12, '13800138004', [], 'd'),
  ];
  const packed = packRecipients(rows);
  const phones = packed.phones!.split('\n');
  const asRows = (c: Buffer | null) => (c ? parseChunk(c) : []);
  const expected = (keep: number[]): PackedRow[] => parseChunk(packed.chunks[0]).filter((row) => keep.includes(row[0]));

  test.each([
    ['none', [], [1, 2, 3, 12]],
    ['the first', ['13800138001'], [2, 3, 12]],
    ['one whose number is also a parameter of the row before', ['13800138002'], [1, 3, 12]],
    ['one whose number appears in other rows’ text', ['13800138003'], [1, 2, 12]],
    ['the last', ['13800138004'], [1, 2, 3]],
    ['several', ['13800138001', '13800138003'], [2, 12]],
  ])('%s', (_name, drop, keep) => {
    const out = removePackedRows(packed.chunks[0], phones, new Set(drop));
    expect(asRows(out.chunk)).toEqual(expected(keep));
    expect(out.removed.map((row) => row[1])).toEqual(drop);
  });

  test('all of them: no chunk left', () => {
    const out = removePackedRows(packed.chunks[0], phones, new Set(phones));
    expect(out.chunk).toBeNull();
    expect(out.removed).toHaveLength(4);
  });
});
