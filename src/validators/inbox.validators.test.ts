import { inboxUrl, parseInboxQuery } from './inbox.validators';

const ctx = { timeZone: 'Asia/Shanghai', accountIds: new Set([1, 7]) };

describe('parseInboxQuery', () => {
  test.each([
    [{ number: '138' }, { phonePrefix: '138' }],
    [{ number: ' +86 138-0013 ' }, { phonePrefix: '861380013' }],
    [{ account: '7' }, { accountId: 7 }],
    [{ text: '  退订 ' }, { text: '退订' }],
    // A day in the zone: 2026-12-02 00:00 to 2026-12-03 00:00 in Shanghai (UTC+8).
    [{ from: '2026-12-02', to: '2026-12-02' }, { from: '2026-12-01T16:00:00.000Z', to: '2026-12-02T16:00:00.000Z' }],
    [{}, {}],
  ])('%o reads as the filter %o', (query, filter) => {
    const parsed = parseInboxQuery(query, ctx);
    expect(parsed.errors).toEqual({});
    expect(parsed.filter).toEqual(filter);
  });

  test.each([
    [{ number: '138a' }, 'number', 'inbox.errors.number'],
    [{ number: '1'.repeat(33) }, 'number', 'inbox.errors.number'],
    [{ account: '2' }, 'account', 'inbox.errors.account'],
    [{ account: '07' }, 'account', 'inbox.errors.account'],
    [{ text: 'x'.repeat(101) }, 'text', 'inbox.errors.text'],
    [{ from: '2026-13-01' }, 'from', 'inbox.errors.date'],
    [{ to: '12/02/2026' }, 'to', 'inbox.errors.date'],
    [{ from: '2026-12-03', to: '2026-12-02' }, 'to', 'inbox.errors.range'],
  ])('%o is refused on %s', (query, fieldName, key) => {
    expect(parseInboxQuery(query, ctx).errors[fieldName]?.key).toBe(key);
  });

  test('a repeated parameter is no filter, and cursors must be positive whole numbers', () => {
    expect(parseInboxQuery({ number: ['1', '2'] }, ctx).filter).toEqual({});
    expect(parseInboxQuery({ after: '12' }, ctx).cursor).toEqual({ after: 12, before: undefined });
    expect(parseInboxQuery({ after: '0', before: '5' }, ctx).cursor).toEqual({ after: undefined, before: 5 });
    expect(parseInboxQuery({ after: '-3' }, ctx).cursor).toEqual({ after: undefined, before: undefined });
  });
});

test('inboxUrl carries the set filters and one cursor', () => {
  const values = { number: '138', account: '', text: 'T', from: '', to: '' };
  expect(inboxUrl(values)).toBe('/inbox?number=138&text=T');
  expect(inboxUrl(values, { after: 40 })).toBe('/inbox?number=138&text=T&after=40');
  expect(inboxUrl({ number: '', account: '', text: '', from: '', to: '' })).toBe('/inbox');
});
