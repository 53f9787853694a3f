import { changedFields, HIDDEN, MAX_TEXT, scrubSummary, summaryLines } from './audit-summary';

describe('scrubSummary', () => {
  test.each([
    ['a password field', { after: { password: 'hunter2' } }, { after: { password: HIDDEN } }],
    ['a nested secret', { after: { account: { secretsBox: 'v1:abc', name: 'x' } } }, { after: { account: { secretsBox: HIDDEN, name: 'x' } } }],
    ['a TOTP secret', { before: { totpSecret: 'JBSWY3DP' } }, { before: { totpSecret: HIDDEN } }],
    ['recovery codes', { after: { recoveryCodes: ['a', 'b'] } }, { after: { recoveryCodes: HIDDEN } }],
    ['a key hash', { after: { key_hash: 'ab12' } }, { after: { key_hash: HIDDEN } }],
    ['a yes/no about a password (kept: it is a fact)', { after: { passwordChanged: true } }, { after: { passwordChanged: true } }],
    ['an API key inside a text', { after: { note: 'use qf_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA now' } }, { after: { note: 'use qf_0123abcd_… now' } }],
    ['ordinary values', { before: { role: 'member', n: 3, ok: false, none: null }, after: { role: 'admin' } }, { before: { role: 'member', n: 3, ok: false, none: null }, after: { role: 'admin' } }],
  ])('%s', (_name, summary, stored) => {
    expect(JSON.parse(scrubSummary(summary)!)).toEqual(stored);
  });

  test('an empty summary is stored as nothing; undefined fields are left out', () => {
    expect(scrubSummary(undefined)).toBeNull();
    expect(scrubSummary({ before: {}, after: {} })).toBeNull();
    expect(JSON.parse(scrubSummary({ after: { a: undefined, b: 1 } })!)).toEqual({ after: { b: 1 } });
  });

  test('long texts are cut', () => {
    const stored = JSON.parse(scrubSummary({ after: { content: 'x'.repeat(MAX_TEXT + 50) } })!);
    expect(stored.after.content).toBe('x'.repeat(MAX_TEXT) + '…');
  });
});

test('changedFields keeps only what differs, before and after', () => {
  expect(changedFields({ a: 1, b: { c: 2 }, d: 'x' }, { a: 1, b: { c: 3 }, e: true })).toEqual({
    before: { b: { c: 2 }, d: 'x', e: null },
    after: { b: { c: 3 }, d: null, e: true },
  });
  expect(changedFields({ a: 1 }, { a: 1 })).toEqual({ before: {}, after: {} });
});

test.each([
  [null, []],
  ['{"before":{"role":"member"},"after":{"role":"admin"}}', ['role: member → admin']],
  ['{"after":{"rows":5,"filter":{"status":"failed"}}}', ['rows: 5', 'filter: {"status":"failed"}']],
  ['{"before":{"name":"x"}}', ['name: x']],
  ['not json', ['not json']],
])('summaryLines(%p)', (stored, lines) => {
  expect(summaryLines(stored)).toEqual(lines);
});
