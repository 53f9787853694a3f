import { progressLabel } from './task-form.handlers';
import { translator } from '../i18n/i18n';
import { numberFormatter } from '../i18n/number-format';

describe('the import progress label', () => {
  test('groups its counts in the reader’s language', () => {
    expect(progressLabel({ phase: 'checking', done: 12_000, total: 100_000 }, translator('en'), numberFormatter('en'))).toBe(
      'Checking the recipients… 12,000 / 100,000',
    );
    expect(progressLabel({ phase: 'checking', done: 12_000, total: 100_000 }, translator('zh-CN'), numberFormatter('zh-CN'))).toContain('12,000 / 100,000');
    expect(progressLabel({ phase: 'waiting', ahead: 2 }, translator('en'), numberFormatter('en'))).toBe('Waiting for other imports to finish (2 before this one)…');
  });

  test('while a file is read and checked together, counts the rows checked so far (issue 15)', () => {
    expect(progressLabel({ phase: 'checking', done: 250_000 }, translator('en'), numberFormatter('en'))).toBe('Reading and checking the recipients… 250,000 so far');
    expect(progressLabel({ phase: 'checking', done: 250_000 }, translator('zh-CN'), numberFormatter('zh-CN'))).toContain('250,000');
    expect(progressLabel({ phase: 'checking', done: 0 }, translator('en'), numberFormatter('en'))).toBe('Checking the recipients…');
  });
});
