/**
 * Several instances started at once on one empty PostgreSQL database (issue 13): migrations and the first admin
 * run under an advisory lock, so all start and there is one admin. And the collation check refuses a database
 * whose phone columns would not sort by bytes.
 */
import { createDb, type Db } from '../../src/db/knex';
import { collationProblem } from '../../src/db/collation-check';
import { createPgDatabase, createTestDatabase, type TestDatabase } from '../helpers/test-db';
import { killAllProcesses, makeTempDir, removeTempDirs, spawnServer, startServer } from '../helpers/app-process';
import { addUser } from '../helpers/app';
import { seedTask } from '../helpers/tasks';
import { migrateLatest } from '../../src/db/knex';
import { listMessages } from '../../src/queries/message-list.queries';

const SECRET = 'several-instances-share-this-secret-0123456789';

afterEach(async () => {
  await killAllProcesses();
  removeTempDirs();
});

test('3 instances started at once on an empty database: all start, the migrations ran once, one admin', async () => {
  const pg = await createPgDatabase(false);
  const db = createDb(pg.url, { poolMax: 2 });
  try {
    // The smallest pool allowed: the start-up lock holds one connection while the migrations use the other.
    const env = { DATABASE_URL: pg.url, SESSION_SECRET: SECRET, ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'long enough pw', DATABASE_POOL_MAX: '2' };
    const servers = await Promise.all([1, 2, 3].map(() => startServer(makeTempDir('qunfa-pg-start-'), { env, readyTimeoutMs: 60_000 })));
    expect(servers.every((s) => !s.hasExited())).toBe(true);
    expect(await db('users').select('username', 'role')).toEqual([{ username: 'boss', role: 'admin' }]);
    const migrations = (await db('knex_migrations').pluck('name')) as string[];
    expect(new Set(migrations).size).toBe(migrations.length);
    // Every instance answers the one login: sessions live in the database, signed with the shared secret.
    for (const s of servers) expect((await fetch(`${s.url}/login`)).status).toBe(200);
  } finally {
    await db.destroy();
    await killAllProcesses();
    await pg.drop();
  }
});

test('DATABASE_URL without SESSION_SECRET: the start stops with one line', async () => {
  const proc = await spawnServer(makeTempDir('qunfa-pg-start-'), { env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', SESSION_SECRET: '' } });
  expect((await proc.exited).code).toBe(1);
  expect(proc.output.filter((l) => l.trim() !== '')).toEqual(['qunfa: SESSION_SECRET must be set when DATABASE_URL is (every instance must share it)']);
});

test('a DATABASE_URL nobody answers at: the start stops at once with one line', async () => {
  const proc = await spawnServer(makeTempDir('qunfa-pg-start-'), { env: { DATABASE_URL: 'postgres://qunfa:hunter2@127.0.0.1:1/qunfa', SESSION_SECRET: SECRET } });
  expect((await proc.exited).code).toBe(1);
  const lines = proc.output.filter((l) => l.trim() !== '');
  expect(lines).toEqual([expect.stringMatching(/^qunfa: cannot connect to the database of DATABASE_URL: connect ECONNREFUSED 127\.0\.0\.1:1$/)]);
  expect(lines[0]).not.toContain('hunter2');
});

describe('the collation check', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(() => database.drop());

  async function compareUnder(db: Db, collation: string): Promise<void> {
    await db.raw(`alter table messages alter column phone type varchar(16) collate "${collation}"`);
  }

  test('passes on the migrated database: the phone columns are pinned to "C"', async () => {
    expect(await collationProblem(database.db)).toBeNull();
  });

  test('refuses, in one line, a phone column compared under ICU (where 13800138000 < 138: is false)', async () => {
    await compareUnder(database.db, 'en-US-x-icu');
    const problem = await collationProblem(database.db);
    expect(problem).toMatch(/^the database compares messages\.phone under collation en-US-x-icu, where '13800138000' < '138:' is false/);
    expect(problem).not.toMatch(/\n/);
  });

  test('a server on such a database stops at start with that line', async () => {
    await compareUnder(database.db, 'en-US-x-icu');
    const proc = await spawnServer(makeTempDir('qunfa-pg-start-'), { env: { DATABASE_URL: database.target, SESSION_SECRET: SECRET } });
    expect((await proc.exited).code).toBe(1);
    expect(proc.output.filter((l) => l.startsWith('qunfa: '))).toEqual([expect.stringMatching(/^qunfa: the database compares messages\.phone under collation en-US-x-icu/)]);
  });
});

test('on a database whose default collation is ICU, phone prefix searches find the numbers (the columns are pinned to "C")', async () => {
  const pg = await createPgDatabase(false, "locale_provider icu icu_locale 'en-US'");
  const db = createDb(pg.url, { poolMax: 2 });
  try {
    const { rows } = (await db.raw("select '13800138000' < '138:' as byte_order")) as { rows: { byte_order: boolean }[] };
    expect(rows[0].byte_order).toBe(false);
    await migrateLatest(db);
    expect(await collationProblem(db)).toBeNull();
    await addUser(db, 'admin', 'admin');
    const { taskId } = await seedTask(db, ['13800138000', '13800138001', '13900139000']);
    const prefixed = async () => (await listMessages(db, { taskId, phonePrefix: '1380' }, {}, 10)).rows.map((r) => r.phone);
    expect(await prefixed()).toEqual(['13800138000', '13800138001']);
    // Without the pinned collation the same search finds nothing, which is what the start-up check refuses.
    await db.raw('alter table messages alter column phone type varchar(16) collate "default"');
    expect(await prefixed()).toEqual([]);
    expect(await collationProblem(db)).toMatch(/^the database compares messages\.phone under collation default/);
  } finally {
    await db.destroy();
    await pg.drop();
  }
});
