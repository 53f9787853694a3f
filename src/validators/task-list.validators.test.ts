import { parseTaskListQuery, startOfLocalDay, type TaskListContext } from './task-list.validators';

const ctx: TaskListContext = {
  timeZone: 'Asia/Shanghai',
  userId: 7,
  signatureIds: new Set([1, 2]),
  templateIds: new Set([3]),
  userIds: new Set([7, 8]),
};

const parse = (query: Record<string, unknown>) => parseTaskListQuery(query, ctx);

describe('parseTaskListQuery', () => {
  test('nothing given: no filter, 20 a page, nothing ignored', () => {
    expect(parse({})).toEqual({ filter: {}, cursor: {}, per: 20, mine: false, params: {}, ignored: [] });
  });

  test.each([
    [{ status: 'sending' }, { status: 'sending' }],
    [{ smsType: 'marketing' }, { smsType: 'marketing' }],
    [{ signature: '2' }, { signatureId: 2 }],
    [{ template: '3' }, { templateId: 3 }],
    [{ createdBy: '8' }, { createdBy: 8 }],
    [{ mine: '1' }, { createdBy: 7 }],
    [{ mine: '1', createdBy: '8' }, { createdBy: 7 }],
    [{ from: '2026-11-25' }, { sendFrom: '2026-11-24T16:00:00.000Z' }],
    [{ to: '2026-11-25' }, { sendTo: '2026-11-25T16:00:00.000Z' }],
    [{ q: ' t2611250001 ' }, { idPrefix: 'T2611250001' }],
    [{ q: 'T26' }, { idPrefix: 'T26' }],
    [{ q: '+86 138-0013-8000' }, { phone: '13800138000' }],
    [{ q: '１３８００１３８０００' }, { phone: '13800138000' }],
    [{ q: '138' }, { phonePrefix: '138' }],
    [{ q: '+86 1380013' }, { phonePrefix: '1380013' }],
  ])('%p filters %p', (query, filter) => {
    const parsed = parse(query);
    expect(parsed.ignored).toEqual([]);
    expect(Object.fromEntries(Object.entries(parsed.filter).filter(([, v]) => v !== undefined))).toEqual(filter);
  });

  test.each([
    ['status', 'draft'],
    ['status', 'SENDING'],
    ['smsType', 'fax'],
    ['signature', '9'],
    ['signature', '1.5'],
    ['template', '0'],
    ['createdBy', '07'],
    ['from', '2026-02-30'],
    ['to', '25/11/2026'],
    ['q', 'hello'],
    ['q', '13'],
    ['q', '138001380001'],
    ['per', '25'],
    ['per', '20.0'],
    ['mine', 'yes please'],
    ['after', "T1' OR 1=1"],
    ['before', 'abc'],
  ])('%s=%p is ignored and reported', (field, value) => {
    const parsed = parse({ [field]: value });
    expect(parsed.ignored).toEqual([{ field, value }]);
    expect(parsed.params).toEqual({});
    expect(parsed.cursor).toEqual({});
  });

  test('a repeated parameter is ignored, not guessed', () => {
    expect(parse({ status: ['sending', 'completed'] }).ignored).toEqual([{ field: 'status', value: 'sending, completed' }]);
  });

  test('a range that ends before it starts keeps its start and reports its end', () => {
    const parsed = parse({ from: '2026-11-25', to: '2026-11-24' });
    expect(parsed.filter.sendFrom).toBe('2026-11-24T16:00:00.000Z');
    expect(parsed.filter.sendTo).toBeUndefined();
    expect(parsed.ignored).toEqual([{ field: 'to', value: '2026-11-24' }]);
  });

  test('page size and cursors', () => {
    expect(parse({ per: '100', after: 'T2611250001' })).toMatchObject({ per: 100, cursor: { after: 'T2611250001' }, params: { per: '100' } });
    expect(parse({ per: '20' }).params).toEqual({});
    expect(parse({ before: 'T2611250001' }).cursor).toEqual({ before: 'T2611250001' });
    expect(parse({ after: 'T2', before: 'T3' })).toMatchObject({ cursor: { after: 'T2' }, ignored: [{ field: 'before', value: 'T3' }] });
  });

  test('a long value is shortened in the report', () => {
    expect(parse({ q: 'x'.repeat(500) }).ignored[0].value).toBe('x'.repeat(40) + '…');
  });
});

describe('startOfLocalDay', () => {
  test.each([
    ['2026-11-25', 'Asia/Shanghai', 0, '2026-11-24T16:00:00.000Z'],
    ['2026-11-25', 'Asia/Shanghai', 1, '2026-11-25T16:00:00.000Z'],
    ['2026-12-31', 'UTC', 1, '2027-01-01T00:00:00.000Z'],
    // New York: DST ends 2026-11-01, so that day is 25 hours long.
    ['2026-11-01', 'America/New_York', 0, '2026-11-01T04:00:00.000Z'],
    ['2026-11-01', 'America/New_York', 1, '2026-11-02T05:00:00.000Z'],
  ])('%s in %s (+%i day)', (date, zone, offset, iso) => {
    expect(startOfLocalDay(date, zone, offset)).toBe(iso);
  });

  test.each(['2026-02-29', '2026-13-01', '2026-1-1', ''])('%p is not a date', (date) => {
    expect(startOfLocalDay(date, 'UTC')).toBeNull();
  });
});
