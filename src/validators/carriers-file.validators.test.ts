import { parseCarriersFile } from './carriers-file.validators';

const account = (over: Record<string, unknown> = {}) => ({ name: 'smsc1', kind: 'smpp', host: 'smsc.example.net', system_id: 'qunfa', password: 'pw', ...over });
const file = (over: Record<string, unknown> = {}) => JSON.stringify({ accounts: [account()], routes: { notification: 'smsc1' }, ...over });

function message(text: string): string {
  const parsed = parseCarriersFile(text);
  if (parsed.ok) throw new Error('the file was accepted');
  expect(parsed.message).not.toMatch(/\n/);
  return parsed.message;
}

test('the example of the README is accepted, with the defaults filled in', () => {
  const parsed = parseCarriersFile(
    JSON.stringify({
      accounts: [{ name: 'smsc1', kind: 'smpp', host: '10.0.0.5', port: 2775, system_id: 'qunfa', password: 'secret', window: 10, tps: 100 }, { name: 'sim', kind: 'stub', enabled: false }],
      routes: { notification: 'smsc1', verification: { primary: 'smsc1', fallback: 'sim' }, marketing: 'smsc1' },
    }),
  );
  expect(parsed).toEqual({
    ok: true,
    value: {
      accounts: [
        {
          name: 'smsc1', kind: 'smpp', enabled: true, password: 'secret', path: 'accounts[0]',
          settings: {
            host: '10.0.0.5', port: 2775, tls: false, system_id: 'qunfa', system_type: '', bind_mode: 'transceiver', source_addr: '', source_ton: 0, source_npi: 0,
            dest_ton: 1, dest_npi: 1, window: 10, tps: 100, enquire_link_seconds: 30, long_message_mode: 'udh', receipt_id_format: 'as_is', resubmit_unanswered: false,
          },
        },
        { name: 'sim', kind: 'stub', enabled: false, settings: {}, password: undefined, path: 'accounts[1]' },
      ],
      routes: { notification: { primary: 'smsc1', fallback: null }, verification: { primary: 'smsc1', fallback: 'sim' }, marketing: { primary: 'smsc1', fallback: null } },
      mappings: [],
    },
  });
});

test('an SMPP account without a password parses (an account already stored keeps its own; the service checks)', () => {
  const parsed = parseCarriersFile(file({ accounts: [account({ password: undefined })] }));
  expect(parsed.ok && parsed.value.accounts[0].password).toBeUndefined();
});

test.each([
  ['not JSON', '{"accounts": [', /^the file is not valid JSON \(/],
  ['an array', '[]', /^the file must hold a JSON object/],
  ['an unknown top-level key', file({ carriers: [] }), /^carriers is not a known key \(known: accounts, routes, mappings\)$/],
  ['accounts not an array', file({ accounts: {} }), /^accounts must be an array$/],
  ['an account not an object', file({ accounts: ['smsc1'] }), /^accounts\[0\] must be an object$/],
  ['a port out of range', file({ accounts: [account({ port: 70000 })] }), /^accounts\[0\]\.port must be a whole number from 1 to 65535$/],
  ['a port as a string', file({ accounts: [account({ port: '2775' })] }), /^accounts\[0\]\.port must be a whole number from 1 to 65535$/],
  ['a fractional window', file({ accounts: [account({ window: 2.5 })] }), /^accounts\[0\]\.window must be a whole number from 1 to 1000$/],
  ['no host', file({ accounts: [account({ host: undefined })] }), /^accounts\[0\]\.host is required$/],
  ['a host with a space', file({ accounts: [account({ host: 'a b' })] }), /^accounts\[0\]\.host contains characters that are not allowed$/],
  ['a long system_id', file({ accounts: [account({ system_id: 'x'.repeat(16) })] }), /^accounts\[0\]\.system_id must be at most 15 characters$/],
  ['tls as a string', file({ accounts: [account({ tls: 'yes' })] }), /^accounts\[0\]\.tls must be true or false$/],
  ['a bad bind mode', file({ accounts: [account({ bind_mode: 'both' })] }), /^accounts\[0\]\.bind_mode must be one of transceiver, transmitter_receiver$/],
  ['a long password', file({ accounts: [account({ password: '123456789' })] }), /^accounts\[0\]\.password must be at most 8 characters$/],
  ['an empty password', file({ accounts: [account({ password: '' })] }), /^accounts\[0\]\.password is required$/],
  ['a numeric password', file({ accounts: [account({ password: 1234 })] }), /^accounts\[0\]\.password must be a string$/],
  ['a typo in a key', file({ accounts: [account({ passwrod: 'x' })] }), /^accounts\[0\]\.passwrod is not a known key for kind smpp/],
  ['SMPP keys on a stub', file({ accounts: [{ name: 's', kind: 'stub', host: 'h' }] }), /^accounts\[0\]\.host is not a known key for kind stub/],
  ['an unknown kind', file({ accounts: [account({ kind: 'http' })] }), /^accounts\[0\]\.kind must be one of stub, smpp, tencent, aliyun, ucloud$/],
  ['no name', file({ accounts: [account({ name: '  ' })] }), /^accounts\[0\]\.name is required$/],
  ['enabled as a number', file({ accounts: [account({ enabled: 1 })] }), /^accounts\[0\]\.enabled must be true or false$/],
  ['a name given twice', file({ accounts: [account(), account({ host: 'b' })] }), /^accounts\[1\]\.name "smsc1" is already the name of accounts\[0\]$/],
  ['an unknown SMS type', file({ routes: { promo: 'smsc1' } }), /^routes\.promo is not a known key \(known: verification, notification, marketing\)$/],
  ['a route to nothing', file({ routes: { marketing: '' } }), /^routes\.marketing must be the name of an account$/],
  ['a route of the wrong shape', file({ routes: { marketing: 5 } }), /^routes\.marketing must be an account name or/],
  ['a fallback equal to its primary', file({ routes: { marketing: { primary: 'smsc1', fallback: 'smsc1' } } }), /^routes\.marketing\.fallback must be another account than its primary$/],
  ['an unknown key in a route', file({ routes: { marketing: { primary: 'smsc1', backup: 'x' } } }), /^routes\.marketing\.backup is not a known key/],
])('%s is refused with one line naming the field', (_name, text, expected) => {
  expect(message(text)).toMatch(expected);
});
