/**
 * Frequency caps (issue 14): marketing messages handed to the carrier per number and local day, bumped when a message
 * is submitted. A cap over N days reads at most N rows per number by the primary key, never a scan of messages.
 */
exports.up = (knex) =>
  knex.schema.createTable('marketing_send_counts', (t) => {
    t.string('phone', 16).notNullable();
    t.string('day', 10).notNullable();
    t.integer('count').notNullable().defaultTo(0);
    t.primary(['phone', 'day']);
    t.index(['day']);
  });

exports.down = (knex) => knex.schema.dropTable('marketing_send_counts');
