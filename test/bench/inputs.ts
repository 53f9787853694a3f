/**
 * The bench's own inputs: 100,000 recipients (a valid mainland mobile, a name, an order number), written as an
 * .xlsx through SheetJS and as a UTF-8 .csv. Seeded, so every run reads the same files.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as XLSX from 'xlsx';
import { xlsxFromXml } from '../fixtures/imports/build';
import { prng } from '../helpers/prng';

export const TEMPLATE_2VARS = '尊敬的{1}，您的订单{2}已发货，请注意查收。';
export const SIGNATURE = '顺丰速运';
export const HEADER = ['手机号码', '姓名', '订单号'];

export interface BenchRow {
  phone: number;
  name: string;
  order: string;
}

export interface BenchInputs {
  xlsxPath: string;
  csvPath: string;
  xlsxBytes: number;
  csvBytes: number;
  generateMs: number;
}


const PREFIXES = [130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 157, 158, 159, 166, 176, 177, 180, 182, 186, 187, 188, 189, 191, 198, 199];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉玉兰鹏飞丹萍红梅欣怡子涵浩宇思远晨曦雨轩梓萱';
const TITLES = ['先生', '女士', ''];

function pick(rand: () => number, s: string): string {
  return s[Math.floor(rand() * s.length)];
}

export function makeRows(count: number, seed = 20261125): BenchRow[] {
  const rand = prng(seed);
  const seen = new Set<number>();
  const rows: BenchRow[] = [];
  while (rows.length < count) {
    const prefix = PREFIXES[Math.floor(rand() * PREFIXES.length)];
    const phone = prefix * 1e8 + Math.floor(rand() * 1e8);
    if (seen.has(phone)) continue;
    seen.add(phone);
    const given = rand() < 0.6 ? pick(rand, GIVEN) + pick(rand, GIVEN) : pick(rand, GIVEN);
    const title = TITLES[Math.floor(rand() * TITLES.length)];
    const name = pick(rand, SURNAMES) + (title === '' ? given : title);
    const order = 'SF' + String(1_000_000_000_000 + Math.floor(rand() * 9e12)).slice(0, 13);
    rows.push({ phone, name, order });
  }
  return rows;
}

/** The .xlsx as a user would save it: a header row, phone numbers as numeric cells, text parameters. */
export function writeXlsx(rows: readonly BenchRow[], file: string): number {
  const aoa: (string | number)[][] = [HEADER];
  for (const r of rows) aoa.push([r.phone, r.name, r.order]);
  const sheet = XLSX.utils.aoa_to_sheet(aoa, { dense: true });
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, sheet, 'Sheet1');
  const buf = XLSX.write(book, { type: 'buffer', bookType: 'xlsx', compression: true, bookSST: true }) as Buffer;
  fs.writeFileSync(file, buf);
  return buf.length;
}

/**
 * The same kind of workbook written directly (issue 15's 1,000,000-row case): SheetJS would need gigabytes and
 * minutes to write it. Shared strings, a header row, phone numbers as numeric cells, as Excel saves a list.
 */
export function writeXlsxDirect(rows: readonly BenchRow[], file: string): number {
  const strings = new Map<string, number>();
  const items: string[] = [];
  const shared = (text: string) => {
    let i = strings.get(text);
    if (i === undefined) {
      i = items.length;
      strings.set(text, i);
      items.push(`<si><t>${text}</t></si>`);
    }
    return i;
  };
  const parts: string[] = [`<row r="1">${HEADER.map((h, c) => `<c r="${'ABC'[c]}1" t="s"><v>${shared(h)}</v></c>`).join('')}</row>`];
  rows.forEach((r, i) => {
    const n = i + 2;
    parts.push(`<row r="${n}"><c r="A${n}"><v>${r.phone}</v></c><c r="B${n}" t="s"><v>${shared(r.name)}</v></c><c r="C${n}" t="s"><v>${shared(r.order)}</v></c></row>`);
  });
  const buf = xlsxFromXml({ sheetData: parts.join(''), sharedItems: items, level: 6 });
  fs.writeFileSync(file, buf);
  return buf.length;
}

/** UTF-8 without BOM, CRLF as Excel writes it; no field needs quoting. */
export function writeCsv(rows: readonly BenchRow[], file: string): number {
  const lines = [HEADER.join(',')];
  for (const r of rows) lines.push(`${r.phone},${r.name},${r.order}`);
  const buf = Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
  fs.writeFileSync(file, buf);
  return buf.length;
}

export function generateInputs(dir: string, count: number): BenchInputs {
  const started = performance.now();
  const rows = makeRows(count);
  const xlsxPath = path.join(dir, `recipients-${count}.xlsx`);
  const csvPath = path.join(dir, `recipients-${count}.csv`);
  // SheetJS writes the 100,000-row file (as before issue 15); a bigger one is written directly.
  const xlsxBytes = count > 200_000 ? writeXlsxDirect(rows, xlsxPath) : writeXlsx(rows, xlsxPath);
  const csvBytes = writeCsv(rows, csvPath);
  return { xlsxPath, csvPath, xlsxBytes, csvBytes, generateMs: performance.now() - started };
}

/**
 * Writing a 100,000-row workbook takes a few hundred MB of SheetJS garbage, so the bench does it in a child
 * process: the RSS it then measures is the app's, not the generator's.
 */
export function generateInputsInChild(dir: string, count: number): BenchInputs {
  const out = execFileSync(process.execPath, ['-r', path.join(__dirname, '..', 'helpers', 'register-ts.js'), __filename, dir, String(count)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out) as BenchInputs;
}

if (require.main === module) {
  process.stdout.write(JSON.stringify(generateInputs(process.argv[2], Number(process.argv[3]))));
}
