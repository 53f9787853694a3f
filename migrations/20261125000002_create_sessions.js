/** Table for connect-session-knex (same shape it would create itself; created here so down() can drop it). */
exports.up = (knex) =>
  knex.schema.createTable('sessions', (t) => {
    t.string('sid').primary();
    t.json('sess').notNullable();
    t.timestamp('expired').notNullable().index();
  });

exports.down = (knex) => knex.schema.dropTable('sessions');
