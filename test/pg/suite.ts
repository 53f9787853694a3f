/** What `npm run test:pg` runs (run-pg.ts) and the template its test databases are copied from (test-db.ts). */
export const TEMPLATE_DATABASE = 'qunfa_test_template';

/**
 * Test paths (jest patterns) that run on PostgreSQL: the engine-aware ones, and the PostgreSQL-only ones here
 * (among them issue 13's three-instance fault test, the shared rate and the skewed clock). Not yet: the other fault
 * tests and the browser tests (they make SQLite files of their own); of the dispatch fault tests, the two about
 * SQLite's write lock skip themselves.
 */
export const PG_SUITE = [
  'migrations/migrations.test.ts',
  'test/routes/',
  'test/pg/',
  'src/queries/',
  'src/db/batch-update.test.ts',
  'src/jobs/cleanup.job.test.ts',
  'src/jobs/retention.job.test.ts',
  'src/jobs/dispatch.job.test.ts',
  'src/middleware/session-store.test.ts',
  'src/services/api-tasks.service.test.ts',
  'src/services/inbound-messages.service.test.ts',
  'src/services/dispatcher.service.test.ts',
  'src/services/dispatcher-lease.test.ts',
  'src/services/dispatch-writes.service.test.ts',
  'src/services/send-rules.service.test.ts',
  'test/faults/dispatch-faults.test.ts',
];

/**
 * Tests of SQLite itself, left out on PostgreSQL: its write lock held by another process (db-busy), its page limit
 * standing in for a full disk (db-full), the daily copy of its file (backup.job).
 */
export const SQLITE_ONLY = ['test/routes/db-busy.test.ts', 'test/routes/db-full.test.ts', 'src/jobs/backup.job.test.ts'];
