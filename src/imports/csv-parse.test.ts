import { parseCsv, sniffDelimiter } from './csv-parse';

function records(text: string, delimiter?: string): string[][] | { unterminatedAt: number } {
  const out: string[][] = [];
  const result = parseCsv(text, (fields) => out.push(fields), delimiter);
  return result.ok ? out : { unterminatedAt: result.record };
}

describe('parseCsv', () => {
  test.each([
    ['CRLF line ends', 'a,b\r\nc,d\r\n', [['a', 'b'], ['c', 'd']]],
    ['LF line ends, no final line break', 'a,b\nc,d', [['a', 'b'], ['c', 'd']]],
    ['lone CR line ends', 'a,b\rc,d\r', [['a', 'b'], ['c', 'd']]],
    ['a quoted comma', '"a,b",c', [['a,b', 'c']]],
    ['a quoted line break', '"line 1\r\nline 2",x\r\ny,z', [['line 1\r\nline 2', 'x'], ['y', 'z']]],
    ['doubled quotes', '"say ""hi""",x', [['say "hi"', 'x']]],
    ['a formula stays text', '138,"=HYPERLINK(""http://x"",""y"")",A', [['138', '=HYPERLINK("http://x","y")', 'A']]],
    ['leading zeros and spaces stay', '007, x ,', [['007', ' x ', '']]],
    ['a quote inside an unquoted field is literal', 'ab"c,d', [['ab"c', 'd']]],
    ['text after a closing quote is kept', '"a"b,c', [['ab', 'c']]],
    ['empty lines are empty records', 'a\r\n\r\nb', [['a'], [''], ['b']]],
    ['an empty quoted field', '"",x', [['', 'x']]],
    ['a trailing separator is one more empty field', 'a,', [['a', '']]],
  ])('%s', (_name, text, expected) => {
    expect(records(text)).toEqual(expected);
  });

  test('an opening quote that is never closed is reported with its record number', () => {
    expect(records('a,b\r\nc,"d\r\ne,f\r\n')).toEqual({ unterminatedAt: 2 });
  });

  test('other separators when the first line uses them', () => {
    expect(sniffDelimiter('phone;{1}\r\n138;a')).toBe(';');
    expect(sniffDelimiter('phone\t{1}\n138\ta')).toBe('\t');
    expect(sniffDelimiter('13800138000\n13900139000')).toBe(',');
    expect(records('phone;{1}\r\n138;"a;b"')).toEqual([['phone', '{1}'], ['138', 'a;b']]);
  });

  test('100,000 records', () => {
    const line = '13800138000,张三,A1001\r\n';
    const text = line.repeat(100_000);
    const started = Date.now();
    let count = 0;
    parseCsv(text, () => (count += 1));
    console.log(`parseCsv: 100,000 records in ${Date.now() - started} ms`);
    expect(count).toBe(100_000);
  });
});
