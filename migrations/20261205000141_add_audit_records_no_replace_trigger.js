/**
 * Closes a way round migration 140's triggers: `INSERT OR REPLACE` (or `REPLACE INTO`) with the id of an existing
 * record deletes that record to make room, and SQLite fires delete triggers for such a delete only when
 * recursive_triggers is on. An insert that names an id already taken is refused before it can replace anything.
 */
const isPostgres = (knex) => knex.client.config.client === 'pg';

/** PostgreSQL has no INSERT OR REPLACE (an upsert there is an UPDATE, which migration 140 refuses). */
exports.onlyOn = 'sqlite';

exports.up = (knex) =>
  isPostgres(knex) ? Promise.resolve() : knex.raw(`CREATE TRIGGER audit_records_no_replace BEFORE INSERT ON audit_records
    WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_records WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END`);

exports.down = (knex) => (isPostgres(knex) ? Promise.resolve() : knex.raw('DROP TRIGGER audit_records_no_replace'));
