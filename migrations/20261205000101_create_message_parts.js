/**
 * The parts of a message sent as several submit_sm (a long text over SMPP with a concatenation header). Each part has
 * its own carrier message id and its own receipt; the message is delivered when every part is, and failed with the
 * first failing part's code. messages.carrier_message_id keeps the first part's id; single-part messages have no rows.
 */
exports.up = async (knex) => {
  await knex.schema.createTable('message_parts', (t) => {
    t.increments('id');
    t.integer('message_id').notNullable().references('id').inTable('messages').onDelete('CASCADE');
    t.integer('part_number').notNullable();
    t.string('carrier_message_id', 128).notNullable();
    t.string('status', 16).notNullable().defaultTo('submitted');
    t.string('code', 64).nullable();
    t.text('description').nullable();
    t.string('reported_at', 32).nullable();
    t.unique(['message_id', 'part_number']);
    t.index(['carrier_message_id']);
  });
};

exports.down = (knex) => knex.schema.dropTable('message_parts');
