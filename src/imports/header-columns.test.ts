import { importColumns, isCommentRow, isOwnExport, unguarded, variableNumber } from './header-columns';
import { parseImportBuffer } from './import-parse';
import type { ImportLimits } from './import-types';
import { checkRecipients } from '../sms/recipient-check';

const LIMITS: ImportLimits = { maxRows: 1000, maxBytes: 1024 * 1024 };
const EXPORT_EN = ['Phone number', 'Content', 'Characters', 'Segments', 'Sending time', 'Status report time', 'Status', 'Receipt code', 'Remarks', 'Variable 1', 'Variable 2'];
const EXPORT_ZH = ['手机号码', '短信内容', '字数', '拆分条数', '发送时间', '状态报告时间', '发送状态', '回执代码', '备注', '变量1', '变量2'];

test.each([
  ['{1}', 1],
  ['｛２｝', 2],
  ['Variable 3', 3],
  ['variable 12: …您的订单{12}已发货…', 12],
  ['变量1', 1],
  ['变量2：尊敬的…', 2],
  ['Variable', null],
  ['Variables 1', null],
  ['name', null],
  [42, null],
])('variableNumber(%p) = %p', (title, n) => {
  expect(variableNumber(title)).toBe(n);
});

test.each([
  ['the export, in English', EXPORT_EN, [0, 9, 10]],
  ['the export, in Chinese', EXPORT_ZH, [0, 9, 10]],
  ['the export of a template without variables', EXPORT_EN.slice(0, 9), [0]],
  ['the import template', ['Phone number', 'Variable 1: 尊敬的{1}，您…', 'Variable 2: …订单{2}已发货…'], [0, 1, 2]],
  ['variables in another order, the phone elsewhere', ['{2}', 'note', '手机号码', '{1}'], [2, 3, 0]],
  ['a header of the user’s own', ['phone', 'name', 'order'], null],
  // Titles the export also uses, among the user's own, do not make it an export: the columns stay as they are.
  ['the user’s own, with a 备注 column', ['手机号码', '姓名', '订单号', '备注'], null],
  ['the user’s own, with Status and Remarks', ['Phone', 'Name', 'Status', 'Remarks'], null],
  ['the user’s own, variables named, a 备注 column ignored', ['手机号码', '变量1', '变量2', '备注'], [0, 1, 2]],
])('importColumns: %s', (_, header, columns) => {
  expect(importColumns(header)).toEqual(columns);
});

test.each([
  [['# Example: 13800138000'], true],
  [['  ＃ 说明'], true],
  [['13800138000', '# not a comment when it is not the first cell'], false],
  [['+8613800138000'], false],
  [[13800138000], false],
])('isCommentRow(%p) = %p', (cells, comment) => {
  expect(isCommentRow(cells)).toBe(comment);
});

const csv = (lines: string[]) => Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8');

test('comment rows are skipped wherever they are, and keep their place in the row numbers', () => {
  const result = parseImportBuffer(csv(['# Template “orders”: 尊敬的{1}，您的订单{2}已发货', 'Phone number,Variable 1,Variable 2', '# Example: 13800138000,张三,A1001', '13900139000,李四,B2', '#13700137000,x,y']), 'c.csv', LIMITS);
  expect(result).toMatchObject({ ok: true, headerSkipped: true, rows: [{ rowNumber: 4, cells: ['13900139000', '李四', 'B2'] }] });
});

test('a task export imports again: phone and variables read by their titles, the other columns ignored', () => {
  const row = (phone: string, a: string, b: string) => [phone, `【测试】尊敬的${a}`, '30', '1', '2026-12-05 09:30:00', '', 'Delivered', 'DELIVRD', 'Delivered', a, b].join(',');
  const result = parseImportBuffer(csv([EXPORT_EN.join(','), row('13800138000', '张三', 'A1'), row('13900139000', '李四', 'B2')]), 'T1-messages.csv', LIMITS);
  if (!result.ok) throw new Error(result.error.code);
  expect(result.rows).toEqual([
    { rowNumber: 2, cells: ['13800138000', '张三', 'A1'] },
    { rowNumber: 3, cells: ['13900139000', '李四', 'B2'] },
  ]);
  const report = checkRecipients(result.rows, { signature: '测试', templateContent: '尊敬的{1}，您的订单{2}已发货。' });
  expect([report.valid.length, report.invalid.length]).toEqual([2, 0]);
});

test.each([
  ["'=HYPERLINK(\"http://x\",\"y\")", '=HYPERLINK("http://x","y")'],
  ["'-5", '-5'],
  ["'+86", '+86'],
  ["'@home", '@home'],
  ["'quoted'", "'quoted'"],
  ['-5', '-5'],
  [42, 42],
])('unguarded(%p) = %p', (cell, value) => {
  expect(unguarded(cell)).toBe(value);
});

test('only the console’s own downloads are unguarded: the export and the invalid rows, not a user’s file', () => {
  expect(isOwnExport(EXPORT_EN)).toBe(true);
  expect(isOwnExport(['行号', '手机号码', '变量1', '原因'])).toBe(true);
  expect(isOwnExport(['Phone number', 'Variable 1: 尊敬的{1}…'])).toBe(false);
  expect(isOwnExport(['手机号码', '姓名', '备注'])).toBe(false);
  const own = parseImportBuffer(csv([EXPORT_EN.join(','), `13800138000,x,1,1,,,,,,'-5,'=A1`]), 'T1-messages.csv', LIMITS);
  const users = parseImportBuffer(csv(['phone,amount,formula', `13800138000,'-5,'=A1`]), 'mine.csv', LIMITS);
  if (!own.ok || !users.ok) throw new Error('not parsed');
  expect(own.rows[0].cells).toEqual(['13800138000', '-5', '=A1']);
  expect(users.rows[0].cells).toEqual(['13800138000', "'-5", "'=A1"]);
});

test('a user’s own file with a 备注 column keeps its columns in place: the variables are read as before', () => {
  const result = parseImportBuffer(csv(['手机号码,姓名,订单号,备注', '13800138000,张三,A1,', '13900139000,李四,B2,']), 'mine.csv', LIMITS);
  if (!result.ok) throw new Error(result.error.code);
  const report = checkRecipients(result.rows, { signature: '测试', templateContent: '尊敬的{1}，您的订单{2}已发货。' });
  expect([report.valid.length, report.invalid.length]).toEqual([2, 0]);
});
