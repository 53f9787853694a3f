/**
 * The per-day sequence of readable task ids (T2611250001) as a counter row per prefix, taken with one
 * `insert … on conflict do update … returning` (issue 13). The next id used to be the day's highest id + 1: on
 * PostgreSQL two drafts made at once read the same highest id, and one failed on the duplicate key. The row's
 * update makes concurrent drafts take turns; the first of a day starts from the tasks already there.
 */
exports.up = (knex) =>
  knex.schema.createTable('task_id_counters', (t) => {
    t.string('prefix', 16).primary();
    t.integer('last').notNullable();
  });

exports.down = (knex) => knex.schema.dropTable('task_id_counters');
