/** Admin-editable settings as JSON values by key; absent keys fall back to the defaults in code. */
exports.up = (knex) =>
  knex.schema.createTable('settings', (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable();
    t.string('updated_at', 32).notNullable();
  });

exports.down = (knex) => knex.schema.dropTable('settings');
