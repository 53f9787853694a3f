import fs from 'node:fs';
import { createDb, migrationConfig, MIGRATIONS_DIR, type Db } from '../src/db/knex';

/** The Foundation's tables; later migrations add more, so the checks below compare against what `up` made. */
const FOUNDATION_TABLES = ['users', 'sessions', 'login_attempts', 'signatures', 'templates', 'settings'];

async function tableNames(db: Db): Promise<string[]> {
  const rows: { name: string }[] = await db.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'");
  return rows.map((r) => r.name).sort();
}

/** Every table, index and trigger with its SQL, so a down() that leaves something behind shows up on the way back up. */
async function schema(db: Db): Promise<string[]> {
  const rows: { type: string; name: string; sql: string | null }[] = await db.raw(
    "select type, name, sql from sqlite_master where name not like 'sqlite_%' and name not like 'knex_migrations%' order by type, name",
  );
  return rows.map((r) => `${r.type} ${r.name}: ${r.sql}`);
}

/** Tables left besides knex's own bookkeeping. */
async function appTables(db: Db): Promise<string[]> {
  return (await tableNames(db)).filter((n) => !n.startsWith('knex_migrations'));
}

/**
 * The error a query fails with, or 'no error'. Not `rejects.toThrow`: better-sqlite3's native addon is loaded once
 * per jest worker, so in a later test file its SqliteError belongs to another realm, is not `instanceof Error`
 * there, and toThrow reports "did not throw" for a query that did fail.
 */
async function failure(query: PromiseLike<unknown>): Promise<string> {
  try {
    await query;
    return 'no error';
  } catch (err) {
    return (err as Error).message;
  }
}

async function rollbackEverything(db: Db): Promise<void> {
  // rollback(all) undoes every batch; loop in case batches were applied separately.
  for (let i = 0; i < 100; i += 1) {
    const [, undone] = (await db.migrate.rollback(migrationConfig, true)) as [number, string[]];
    if (undone.length === 0) return;
  }
  throw new Error('rollback never finished');
}

describe('migrations', () => {
  let db: Db;

  beforeEach(() => {
    db = createDb(':memory:');
  });
  afterEach(async () => {
    await db.destroy();
  });

  const migrationFiles = fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{14}_[a-z0-9_]+\.js$/.test(f)).sort();

  test('every file in migrations/ is a named, timestamped migration', () => {
    const others = fs.readdirSync(MIGRATIONS_DIR).filter((f) => !migrationFiles.includes(f) && f !== 'README.md' && !f.endsWith('.test.ts'));
    expect(others).toEqual([]);
    expect(migrationFiles.length).toBeGreaterThan(0);
  });

  test('migrations never import application code', () => {
    for (const file of migrationFiles) {
      const source = fs.readFileSync(`${MIGRATIONS_DIR}/${file}`, 'utf8');
      expect({ file, imports: /require\(['"]\.\.?\/|from ['"]\.\.?\//.test(source) }).toEqual({ file, imports: false });
    }
  });

  test('all up, all down, all up again on a fresh database', async () => {
    const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
    expect(applied).toEqual(migrationFiles);
    const created = await appTables(db);
    expect(created).toEqual(expect.arrayContaining(FOUNDATION_TABLES));
    const fullSchema = await schema(db);

    await rollbackEverything(db);
    expect(await appTables(db)).toEqual([]);
    expect(await schema(db)).toEqual([]);
    const [done, pending] = (await db.migrate.list(migrationConfig)) as [unknown[], unknown[]];
    expect(done).toHaveLength(0);
    expect(pending).toHaveLength(migrationFiles.length);

    const [, reapplied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
    expect(reapplied).toEqual(migrationFiles);
    expect(await appTables(db)).toEqual(created);
    expect(await schema(db)).toEqual(fullSchema);
  });

  test('each migration goes down and up again on its own', async () => {
    await db.migrate.latest(migrationConfig);
    const fullSchema = await schema(db);
    for (let i = migrationFiles.length - 1; i >= 0; i -= 1) {
      const before = await schema(db);
      const [, undone] = (await db.migrate.down(migrationConfig)) as [number, string[]];
      expect(undone).toEqual([migrationFiles[i]]);
      expect(await schema(db)).not.toEqual(before);
    }
    expect(await appTables(db)).toEqual([]);
    for (const file of migrationFiles) {
      const [, done] = (await db.migrate.up(migrationConfig)) as [number, string[]];
      expect(done).toEqual([file]);
    }
    expect(await schema(db)).toEqual(fullSchema);
  });

  test('the schema enforces what the code relies on: unique usernames and signatures, foreign keys', async () => {
    await db.migrate.latest(migrationConfig);
    const now = new Date().toISOString();
    const user = { username: 'ann', password_hash: 'x', role: 'member', created_at: now, updated_at: now };
    await db('users').insert(user);
    expect(await failure(db('users').insert(user))).toMatch(/UNIQUE/);
    const sig = { name: 'Qunfa', status: 'pending', created_by: 1, created_at: now, updated_at: now };
    await db('signatures').insert(sig);
    expect(await failure(db('signatures').insert(sig))).toMatch(/UNIQUE/);
    expect(await failure(db('signatures').insert({ ...sig, name: 'Other', created_by: 999 }))).toMatch(/FOREIGN KEY/);
  });
});
