/**
 * An invalid row's parameters as typed (a JSON array of strings), so its download carries the whole row and can be
 * fixed and imported again (issue 12, item 3). Rows stored before this have none (null).
 */
exports.up = (knex) =>
  knex.schema.alterTable('task_invalid_rows', (t) => {
    t.text('params').nullable();
  });

// SQL's own DROP COLUMN, not knex's SQLite table rebuild.
exports.down = (knex) => knex.raw('alter table task_invalid_rows drop column params');
