import path from 'node:path';
import { useCarriersFileFixture } from '../../test/helpers/carriers-file';
import { openSecrets } from '../secrets/secret-box';
import { loadCarriersFile } from './carriers-file.service';

const fx = useCarriersFileFixture();
const { key, write } = fx;

const smsc = { name: 'smsc1', kind: 'smpp', host: 'smsc.example.net', port: 2775, system_id: 'qunfa', password: 'secret', window: 10, tps: 100 };

async function routes() {
  return fx.db('carrier_routes as r').join('carrier_accounts as a', 'a.id', 'r.primary_account_id').leftJoin('carrier_accounts as f', 'f.id', 'r.fallback_account_id').orderBy('r.sms_type').select('r.sms_type', 'a.name as primary', 'f.name as fallback');
}

test('accounts are created, passwords sealed, routes set; types the file leaves out keep their route', async () => {
  const file = write({ accounts: [smsc], routes: { notification: 'smsc1', verification: { primary: 'smsc1', fallback: 'Built-in simulator' } } });
  expect(await loadCarriersFile(fx.db, key, file)).toEqual({ accounts: 1, routes: 2 });
  const row = await fx.db('carrier_accounts').where({ name: 'smsc1' }).first();
  expect(row).toMatchObject({ kind: 'smpp', state: 'down' });
  expect(JSON.parse(row.settings)).toMatchObject({ host: 'smsc.example.net', port: 2775, window: 10, tps: 100, enquire_link_seconds: 30 });
  expect(row.secrets).not.toContain('secret');
  expect(openSecrets(key, row.secrets)).toEqual({ password: 'secret' });
  expect(await routes()).toEqual([
    { sms_type: 'marketing', primary: 'Built-in simulator', fallback: null },
    { sms_type: 'notification', primary: 'smsc1', fallback: null },
    { sms_type: 'verification', primary: 'smsc1', fallback: 'Built-in simulator' },
  ]);
});

test('a second start with the same or a changed file updates by name: no duplicate, the password kept when left out', async () => {
  await loadCarriersFile(fx.db, key, write({ accounts: [smsc] }));
  await loadCarriersFile(fx.db, key, write({ accounts: [smsc] }));
  const { password: _left, ...withoutPassword } = smsc;
  await loadCarriersFile(fx.db, key, write({ accounts: [{ ...withoutPassword, window: 50 }] }));
  const rows = await fx.db('carrier_accounts').where({ name: 'smsc1' });
  expect(rows).toHaveLength(1);
  expect(JSON.parse(rows[0].settings).window).toBe(50);
  expect(openSecrets(key, rows[0].secrets)).toEqual({ password: 'secret' });
});

test('a bad file changes nothing, even when its problem is found after some accounts were written', async () => {
  const before = JSON.stringify([await fx.db('carrier_accounts').orderBy('id'), await fx.db('carrier_routes').orderBy('sms_type')]);
  expect(await fx.failure(write({ accounts: [smsc], routes: { marketing: 'nowhere' } }))).toBe('CARRIERS_FILE: routes.marketing.primary names no account: "nowhere"');
  expect(JSON.stringify([await fx.db('carrier_accounts').orderBy('id'), await fx.db('carrier_routes').orderBy('sms_type')])).toBe(before);
});

test.each([
  ['a field problem', { accounts: [{ ...smsc, port: 0 }] }, 'CARRIERS_FILE: accounts[0].port must be a whole number from 1 to 65535'],
  ['a new SMPP account without a password', { accounts: [{ ...smsc, password: undefined }] }, 'CARRIERS_FILE: accounts[0].password is required for an SMPP account that has no password stored yet'],
  ['a route to a disabled account', { accounts: [{ ...smsc, enabled: false }], routes: { marketing: 'smsc1' } }, 'CARRIERS_FILE: routes.marketing.primary would send through "smsc1", which is disabled'],
  ['disabling the account the routes use', { accounts: [{ name: 'Built-in simulator', kind: 'stub', enabled: false }] }, 'CARRIERS_FILE: routes.verification.primary would send through "Built-in simulator", which is disabled'],
  ['invalid JSON', '{', expect.stringMatching(/^CARRIERS_FILE: the file is not valid JSON/)],
])('%s: one line, nothing written', async (_name, content, expected) => {
  const before = await fx.db('carrier_accounts').orderBy('id');
  expect(await fx.failure(write(content))).toEqual(expected);
  expect(await fx.db('carrier_accounts').orderBy('id')).toEqual(before);
});

test('a missing file is named', async () => {
  expect(await fx.failure(path.join(fx.dir, 'nope.json'))).toBe(`CARRIERS_FILE: cannot read ${path.join(fx.dir, 'nope.json')} (ENOENT)`);
});
