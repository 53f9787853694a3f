import { CHUNK_ROWS, packRecipients, parseChunk } from './recipient-chunks';
import type { ValidRecipient } from '../sms/recipient-check';

const valid = (n: number): ValidRecipient[] =>
  Array.from({ length: n }, (_, i) => ({ rowNumber: i + 1, phone: `138${String(i).padStart(8, '0')}`, params: [`"${i}"`], message: `【签名】${i}`, chars: 5 + (i % 4), segments: 1 }));

test.each([0, 1, CHUNK_ROWS, CHUNK_ROWS + 1, 3 * CHUNK_ROWS - 1])('%i recipients: full chunks, in order, with their count and total characters', (n) => {
  const input = valid(n);
  const packed = packRecipients(input);
  expect(packed.count).toBe(n);
  expect(packed.totalChars).toBe(input.reduce((sum, r) => sum + r.chars, 0));
  expect(packed.chunks).toHaveLength(Math.ceil(n / CHUNK_ROWS));
  const rows = packed.chunks.map(parseChunk);
  expect(rows.slice(0, -1).every((c) => c.length === CHUNK_ROWS)).toBe(true);
  expect(rows.flat()).toEqual(input.map((r) => [r.rowNumber, r.phone, r.params, r.message, r.chars, r.segments]));
});
