import type { PackedRow } from './recipient-chunks';

const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const COMMA = 0x2c;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

/**
 * Takes some rows out of a packed chunk without parsing the rest of it (issue 14: opted-out and capped numbers found
 * at the check). A chunk is `[row,row,…]`, each row `[rowNumber,"phone",[params],"content",chars,segments]`, and its
 * numbers are known in order (PackedRecipients.phones), so a row begins at the one place where its number follows
 * `[<digits>,"`: inside a JSON string every `"` is escaped, so that text is a row's start and nothing else (a
 * parameter equal to the number is preceded by `"` or `[`, never by digits). It works on the UTF-8 bytes as they are
 * (decoding 100,000 rows of Chinese text to search them cost more than the whole check), copying the kept rows in
 * slices; only the rows taken out are decoded and parsed.
 * Returns the chunk without them (null when none is left) and the rows taken out, in order.
 */
export function removePackedRows(chunk: Uint8Array, chunkPhones: readonly string[], drop: ReadonlySet<string>): { chunk: Buffer | null; removed: PackedRow[] } {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const rowStart = (index: number, from: number): number => {
    const needle = `,"${chunkPhones[index]}",`;
    for (let at = bytes.indexOf(needle, from, 'latin1'); at >= 0; at = bytes.indexOf(needle, at + 1, 'latin1')) {
      let s = at - 1;
      while (s > 0 && isDigit(bytes[s])) s -= 1;
      if (s < at - 1 && bytes[s] === OPEN && (s === 1 ? bytes[0] === OPEN : bytes[s - 1] === COMMA && bytes[s - 2] === CLOSE)) return s;
    }
    throw new Error(`packed row ${index} not found in its chunk`);
  };
  // Only the rows taken out, and the row after each (where it ends), are looked for; the rest is copied in slices.
  const kept: Buffer[] = [];
  const removed: PackedRow[] = [];
  let keptFrom = 1;
  for (let i = 0; i < chunkPhones.length; i += 1) {
    if (!drop.has(chunkPhones[i])) continue;
    const start = rowStart(i, keptFrom);
    const next = i + 1 < chunkPhones.length ? rowStart(i + 1, start) : bytes.length;
    // The row ends before the comma that precedes the next row, or before the chunk's closing bracket.
    removed.push(JSON.parse(bytes.toString('utf8', start, next - 1)) as PackedRow);
    kept.push(bytes.subarray(keptFrom, start));
    keptFrom = next;
  }
  kept.push(bytes.subarray(keptFrom, bytes.length - 1));
  let body = Buffer.concat(kept);
  if (body.length > 0 && body[body.length - 1] === COMMA) body = body.subarray(0, body.length - 1);
  return { chunk: body.length === 0 ? null : Buffer.concat([Buffer.from('['), body, Buffer.from(']')]), removed };
}
