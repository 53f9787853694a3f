import fs from 'node:fs';
import { migrationConfig, MIGRATIONS_DIR, type Db } from '../src/db/knex';
import { appTableNames, createTestDatabase, onPostgres, type TestDatabase } from '../test/helpers/test-db';

/** The Foundation's tables; later migrations add more, so the checks below compare against what `up` made. */
const FOUNDATION_TABLES = ['users', 'sessions', 'login_attempts', 'signatures', 'templates', 'settings'];

/** On PostgreSQL: every column with its type, collation and default, every index and every sequence. */
async function postgresSchema(db: Db): Promise<string[]> {
  const notKnex = "not like 'knex_migrations%'";
  const { rows } = (await db.raw(`
    select 'column ' || table_name || '.' || column_name || ': ' || data_type || coalesce('(' || character_maximum_length || ')', '')
           || coalesce(' collate ' || collation_name, '') || ' null ' || is_nullable || coalesce(' default ' || column_default, '') as line
      from information_schema.columns where table_schema = current_schema() and table_name ${notKnex}
    union all
    select 'index ' || indexname || ': ' || indexdef from pg_indexes where schemaname = current_schema() and tablename ${notKnex}
    union all
    select 'sequence ' || sequence_name || ': ' || data_type from information_schema.sequences
      where sequence_schema = current_schema() and sequence_name ${notKnex}
    order by 1`)) as { rows: { line: string }[] };
  return rows.map((r) => r.line);
}

/** Every table, index and trigger with its SQL, so a down() that leaves something behind shows up on the way back up. */
async function schema(db: Db): Promise<string[]> {
  if (onPostgres()) return postgresSchema(db);
  const rows: { type: string; name: string; sql: string | null }[] = await db.raw(
    "select type, name, sql from sqlite_master where name not like 'sqlite_%' and name not like 'knex_migrations%' order by type, name",
  );
  return rows.map((r) => `${r.type} ${r.name}: ${r.sql}`);
}

/** Tables left besides knex's own bookkeeping. */
async function appTables(db: Db): Promise<string[]> {
  return appTableNames(db);
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
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase({ migrated: false });
    db = database.db;
  });
  afterEach(async () => {
    await database.drop();
  });

  const migrationFiles = fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{14}_[a-z0-9_]+\.js$/.test(f)).sort();

  /** A migration for one engine (`exports.onlyOn = 'pg'`) changes nothing on the other. */
  function changesSchemaHere(file: string): boolean {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const onlyOn = (require(`${MIGRATIONS_DIR}/${file}`) as { onlyOn?: string }).onlyOn;
    return onlyOn === undefined || onlyOn === (onPostgres() ? 'pg' : 'sqlite');
  }

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
      if (changesSchemaHere(migrationFiles[i])) expect(await schema(db)).not.toEqual(before);
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
    expect(await failure(db('users').insert(user))).toMatch(/UNIQUE|unique constraint/);
    const sig = { name: 'Qunfa', status: 'pending', created_by: 1, created_at: now, updated_at: now };
    await db('signatures').insert(sig);
    expect(await failure(db('signatures').insert(sig))).toMatch(/UNIQUE|unique constraint/);
    expect(await failure(db('signatures').insert({ ...sig, name: 'Other', created_by: 999 }))).toMatch(/FOREIGN KEY|foreign key constraint/);
  });
});
