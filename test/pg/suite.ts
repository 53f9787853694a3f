/** What `npm run test:pg` runs (run-pg.ts) and the template its test databases are copied from (test-db.ts). */
export const TEMPLATE_DATABASE = 'qunfa_test_template';

/** Test paths (jest patterns) that run on PostgreSQL: the engine-aware ones, and the PostgreSQL-only ones here. */
export const PG_SUITE = ['migrations/migrations.test.ts', 'test/routes/', 'test/pg/'];

/**
 * Tests of SQLite itself, left out on PostgreSQL: its write lock held by another process (db-busy), its page limit
 * standing in for a full disk (db-full).
 */
export const SQLITE_ONLY = ['test/routes/db-busy.test.ts', 'test/routes/db-full.test.ts'];
