/**
 * Every change to the opt-out list (issue 14): added or removed, by whom (a user, an API key, or a reply), when,
 * from where (manual, import, reply, api) and why. Rows are only ever inserted: removing a number from the list
 * keeps the record of it having been there.
 */
exports.up = (knex) =>
  knex.schema.createTable('opt_out_history', (t) => {
    t.increments('id');
    t.string('phone', 16).notNullable();
    t.string('action', 8).notNullable();
    t.string('source', 16).notNullable();
    t.string('reason', 200).notNullable().defaultTo('');
    t.integer('user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.integer('api_key_id').nullable();
    t.integer('inbound_message_id').nullable().references('id').inTable('inbound_messages').onDelete('SET NULL');
    t.string('created_at', 32).notNullable();
    t.index(['phone', 'id']);
  });

exports.down = (knex) => knex.schema.dropTable('opt_out_history');
