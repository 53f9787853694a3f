import { checkAccountName, checkSmppPassword, checkSmppSettings } from './carrier-account.fields';
import { routeProblems } from './carrier-route.rules';

const base = { host: 'smsc.example.net', system_id: 'qunfa' };

test.each([
  // [source, input, field, problem or value]
  ['form', { port: '' }, 'port', { value: 2775 }],
  ['json', {}, 'port', { value: 2775 }],
  ['form', { port: ' 2776 ' }, 'port', { value: 2776 }],
  ['json', { port: 2776 }, 'port', { value: 2776 }],
  ['json', { port: '2776' }, 'port', { problem: { rule: 'wholeNumber', min: 1, max: 65535 } }],
  ['form', { port: '-1' }, 'port', { problem: { rule: 'wholeNumber', min: 1, max: 65535 } }],
  ['form', { port: '1e3' }, 'port', { problem: { rule: 'wholeNumber', min: 1, max: 65535 } }],
  ['json', { window: 1.5 }, 'window', { problem: { rule: 'wholeNumber', min: 1, max: 1000 } }],
  ['form', { tls: 'on' }, 'tls', { value: true }],
  ['form', {}, 'tls', { value: false }],
  ['json', { tls: 'true' }, 'tls', { problem: { rule: 'trueOrFalse' } }],
  ['json', { resubmit_unanswered: true }, 'resubmit_unanswered', { value: true }],
  ['form', { long_message_mode: 'message_payload' }, 'long_message_mode', { value: 'message_payload' }],
  ['json', { receipt_id_format: 'hex' }, 'receipt_id_format', { problem: { rule: 'oneOf', options: 'as_is, hex_to_decimal, decimal_to_hex' } }],
  ['json', { host: 5 }, 'host', { problem: { rule: 'text' } }],
  ['form', { host: '  smsc.example.net ' }, 'host', { value: 'smsc.example.net' }],
  ['form', { system_type: 'x'.repeat(13) }, 'system_type', { problem: { rule: 'tooLong', max: 12 } }],
  ['form', { source_ton: '7' }, 'source_ton', { problem: { rule: 'wholeNumber', min: 0, max: 6 } }],
] as const)('%s %j: %s is %j', (source, input, field, expected) => {
  const { settings, problems } = checkSmppSettings({ ...base, ...input }, source);
  if ('value' in expected) {
    expect(problems[field]).toBeUndefined();
    expect(settings[field as keyof typeof settings]).toEqual(expected.value);
  } else {
    expect(problems[field]).toEqual(expected.problem);
  }
});

test('names and passwords', () => {
  expect(checkAccountName('  smsc1 ')).toEqual({ value: 'smsc1' });
  expect(checkAccountName('a\tb')).toEqual({ problem: { rule: 'badCharacters' } });
  expect(checkAccountName('x'.repeat(65))).toEqual({ problem: { rule: 'tooLong', max: 64 } });
  expect(checkSmppPassword('12345678')).toEqual({ value: '12345678' });
  expect(checkSmppPassword(' pw ')).toEqual({ value: ' pw ' });
  expect(checkSmppPassword('123456789')).toEqual({ problem: { rule: 'tooLong', max: 8 } });
});

test('routes: an enabled primary, and a fallback that is another enabled account', () => {
  const accounts = [{ id: 1, enabled: true }, { id: 2, enabled: true }, { id: 3, enabled: false }];
  expect(routeProblems(1, null, accounts)).toEqual({});
  expect(routeProblems(1, 2, accounts)).toEqual({});
  expect(routeProblems(null, null, accounts)).toEqual({ primary: 'primaryRequired' });
  expect(routeProblems(9, 1, accounts)).toEqual({ primary: 'unknownAccount' });
  expect(routeProblems(3, 1, accounts)).toEqual({ primary: 'disabledAccount' });
  expect(routeProblems(1, 1, accounts)).toEqual({ fallback: 'sameAsPrimary' });
  expect(routeProblems(1, 3, accounts)).toEqual({ fallback: 'disabledAccount' });
});
