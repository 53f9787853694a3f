import fs from 'node:fs';
import path from 'node:path';
import { cleanUpAfterTest, prepareDataDir, spawnServer, startServer, type PreparedData } from '../helpers/app-process';

jest.setTimeout(60_000);

let data: PreparedData | undefined;
afterEach(async () => {
  await cleanUpAfterTest(data);
  data = undefined;
});

test('a bad CARRIERS_FILE stops the start with one line naming the field, exit 1, and nothing written', async () => {
  data = await prepareDataDir();
  const file = path.join(data.dataDir, 'carriers.json');
  fs.writeFileSync(file, JSON.stringify({ accounts: [{ name: 'smsc1', kind: 'smpp', host: 'smsc.example.net', port: 99999, system_id: 'q', password: 'pw' }] }));
  const app = await spawnServer(data.dataDir, { env: { CARRIERS_FILE: file } });
  const { code } = await app.exited;
  expect(code).toBe(1);
  const lines = app.output.filter((l) => l.trim() !== '');
  expect(lines).toEqual(['qunfa: CARRIERS_FILE: accounts[0].port must be a whole number from 1 to 65535']);
  expect(await data.db('carrier_accounts').pluck('name')).toEqual(['Built-in simulator']);
});

test('a good CARRIERS_FILE is applied at start, and the password never reaches the log', async () => {
  data = await prepareDataDir();
  const file = path.join(data.dataDir, 'carriers.json');
  fs.writeFileSync(file, JSON.stringify({ accounts: [{ name: 'smsc1', kind: 'smpp', host: 'smsc.example.net', system_id: 'q', password: 'Pw-9x7z' }], routes: { marketing: 'smsc1' } }));
  const app = await startServer(data.dataDir, { env: { CARRIERS_FILE: file, LOG_LEVEL: 'info' } });
  const route = await data.db('carrier_routes as r').join('carrier_accounts as a', 'a.id', 'r.primary_account_id').where('r.sms_type', 'marketing').first('a.name');
  expect(route.name).toBe('smsc1');
  expect(app.output.join('\n')).toContain('carrier accounts and routes applied from CARRIERS_FILE');
  expect(app.output.join('\n')).not.toContain('Pw-9x7z');
  expect((await app.stop('SIGTERM')).code).toBe(0);
});
