import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrateLatest, type Db } from '../db/knex';
import { openSecrets } from '../secrets/secret-box';
import { CarriersFileError, loadCarriersFile } from './carriers-file.service';

const key = Buffer.alloc(32, 9);
let db: Db;
let dir: string;

beforeEach(async () => {
  db = createDb(':memory:');
  await migrateLatest(db);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-carriers-file-'));
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(content: unknown): string {
  const file = path.join(dir, 'carriers.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function failure(file: string): Promise<string> {
  try {
    await loadCarriersFile(db, key, file);
  } catch (err) {
    if (err instanceof CarriersFileError) return err.message;
    throw err;
  }
  return 'applied';
}

const smsc = { name: 'smsc1', kind: 'smpp', host: 'smsc.example.net', port: 2775, system_id: 'qunfa', password: 'secret', window: 10, tps: 100 };

async function routes() {
  return db('carrier_routes as r').join('carrier_accounts as a', 'a.id', 'r.primary_account_id').leftJoin('carrier_accounts as f', 'f.id', 'r.fallback_account_id').orderBy('r.sms_type').select('r.sms_type', 'a.name as primary', 'f.name as fallback');
}

test('accounts are created, passwords sealed, routes set; types the file leaves out keep their route', async () => {
  const file = write({ accounts: [smsc], routes: { notification: 'smsc1', verification: { primary: 'smsc1', fallback: 'Built-in simulator' } } });
  expect(await loadCarriersFile(db, key, file)).toEqual({ accounts: 1, routes: 2 });
  const row = await db('carrier_accounts').where({ name: 'smsc1' }).first();
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
  await loadCarriersFile(db, key, write({ accounts: [smsc] }));
  await loadCarriersFile(db, key, write({ accounts: [smsc] }));
  const { password: _left, ...withoutPassword } = smsc;
  await loadCarriersFile(db, key, write({ accounts: [{ ...withoutPassword, window: 50 }] }));
  const rows = await db('carrier_accounts').where({ name: 'smsc1' });
  expect(rows).toHaveLength(1);
  expect(JSON.parse(rows[0].settings).window).toBe(50);
  expect(openSecrets(key, rows[0].secrets)).toEqual({ password: 'secret' });
});

test('a bad file changes nothing, even when its problem is found after some accounts were written', async () => {
  const before = JSON.stringify([await db('carrier_accounts').orderBy('id'), await db('carrier_routes').orderBy('sms_type')]);
  expect(await failure(write({ accounts: [smsc], routes: { marketing: 'nowhere' } }))).toBe('CARRIERS_FILE: routes.marketing.primary names no account: "nowhere"');
  expect(JSON.stringify([await db('carrier_accounts').orderBy('id'), await db('carrier_routes').orderBy('sms_type')])).toBe(before);
});

test.each([
  ['a field problem', { accounts: [{ ...smsc, port: 0 }] }, 'CARRIERS_FILE: accounts[0].port must be a whole number from 1 to 65535'],
  ['a new SMPP account without a password', { accounts: [{ ...smsc, password: undefined }] }, 'CARRIERS_FILE: accounts[0].password is required for an SMPP account that has no password stored yet'],
  ['a route to a disabled account', { accounts: [{ ...smsc, enabled: false }], routes: { marketing: 'smsc1' } }, 'CARRIERS_FILE: routes.marketing.primary would send through "smsc1", which is disabled'],
  ['disabling the account the routes use', { accounts: [{ name: 'Built-in simulator', kind: 'stub', enabled: false }] }, 'CARRIERS_FILE: routes.verification.primary would send through "Built-in simulator", which is disabled'],
  ['invalid JSON', '{', expect.stringMatching(/^CARRIERS_FILE: the file is not valid JSON/)],
])('%s: one line, nothing written', async (_name, content, expected) => {
  const before = await db('carrier_accounts').orderBy('id');
  expect(await failure(write(content))).toEqual(expected);
  expect(await db('carrier_accounts').orderBy('id')).toEqual(before);
});

test('a missing file is named', async () => {
  expect(await failure(path.join(dir, 'nope.json'))).toBe(`CARRIERS_FILE: cannot read ${path.join(dir, 'nope.json')} (ENOENT)`);
});
