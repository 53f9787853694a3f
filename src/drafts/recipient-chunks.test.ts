import { CHUNK_ROWS, firstPackedRow, packRecipients, parseChunk, RecipientPacker } from './recipient-chunks';
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

describe('RecipientPacker (issue 15: packed as they are checked)', () => {
  it('hands on the same chunks, numbers and totals as packRecipients, each chunk as soon as it is full', () => {
    const list = Array.from({ length: 12_001 }, (_, i) => ({
      rowNumber: i + 2,
      phone: `1380013${String(i).padStart(4, '0')}`,
      params: [`p${i}`],
      message: `m${i}`,
      chars: 10 + (i % 5),
      segments: 1,
    }));
    const chunks: Buffer[] = [];
    const packer = new RecipientPacker((chunk) => chunks.push(chunk));
    list.slice(0, CHUNK_ROWS).forEach((r) => packer.add(r));
    expect(chunks).toHaveLength(1);
    list.slice(CHUNK_ROWS).forEach((r) => packer.add(r));
    const rest = packer.finish();
    const whole = packRecipients(list);
    expect(chunks).toEqual(whole.chunks);
    expect(rest).toEqual({ count: whole.count, totalChars: whole.totalChars, phones: whole.phones });
  });

  it('writes the same bytes as JSON.stringify for any text: quotes, backslashes, controls, CJK, emoji, lone surrogates', () => {
    const texts = ['"q"', 'a\\b', 'tab\there', '\u0001', '王先生', '😀', '\ud800', '\udc00x', '', '【签名】尊敬的"王"'];
    const list = texts.map((text, i) => ({ rowNumber: 1_000_000 + i, phone: `+86 ${text}`, params: [text, `${text}${i}`], message: `【签名】${text}`, chars: 500, segments: 8 }));
    const chunks: Buffer[] = [];
    const packer = new RecipientPacker((chunk) => chunks.push(chunk));
    list.forEach((r) => packer.add(r));
    packer.finish();
    expect(chunks).toEqual(packRecipients(list).chunks);
  });
});

describe('firstPackedRow (issue 15: the check page reads one row, not the chunk)', () => {
  it.each([
    ['plain', ['张三', 'A1']],
    ['brackets, quotes and backslashes inside the parameters', ['[x]', '"]]', 'a\\"b\\']],
    ['no parameters', []],
    ['CJK and an emoji', ['尊敬的😀', '］】']],
  ])('%s: the same row as parsing the whole chunk', (_name, params) => {
    const rows = [
      { rowNumber: 7, phone: '13800138000', params, message: `【签名】${params.join('')}`, chars: 12, segments: 1 },
      { rowNumber: 8, phone: '13900139000', params: ['second'], message: 'm', chars: 1, segments: 1 },
    ];
    const [chunk] = packRecipients(rows).chunks;
    expect(firstPackedRow(chunk)).toEqual(parseChunk(chunk)[0]);
    expect(firstPackedRow(chunk)).toEqual([7, '13800138000', params, `【签名】${params.join('')}`, 12, 1]);
  });

  it('an empty chunk, or one written with spaces, is parsed whole', () => {
    expect(firstPackedRow(Buffer.from('[]'))).toBeUndefined();
    expect(firstPackedRow(Buffer.from(' [ [1, "13800138000", [], "m", 1, 1] ]'))).toEqual([1, '13800138000', [], 'm', 1, 1]);
  });
});
