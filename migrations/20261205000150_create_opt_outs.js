/**
 * The opt-out (suppression) list, issue 14: one row per number that must not get marketing messages. The number is
 * the key, so checking 100,000 recipients against a 1,000,000-number list is 100,000 primary-key lookups.
 * Who put it there and why are kept on the row for the page; every change is also in opt_out_history.
 */
exports.up = (knex) =>
  knex.schema.createTable('opt_outs', (t) => {
    t.string('phone', 16).primary();
    t.string('source', 16).notNullable();
    t.string('reason', 200).notNullable().defaultTo('');
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.integer('api_key_id').nullable();
    t.integer('inbound_message_id').nullable().references('id').inTable('inbound_messages').onDelete('SET NULL');
    t.string('created_at', 32).notNullable();
    t.index(['created_at', 'phone']);
  });

exports.down = (knex) => knex.schema.dropTable('opt_outs');
