/**
 * Receipts that arrive before we have recorded which message the carrier id belongs to (the carrier took the
 * batch but its answer was lost, and the resubmission is still to come). They wait here instead of being lost.
 */
exports.up = (knex) =>
  knex.schema.createTable('orphan_receipts', (t) => {
    t.string('carrier_message_id', 64).primary();
    t.string('status', 16).notNullable();
    t.string('code', 32).notNullable();
    t.string('description', 255).nullable();
    t.string('reported_at', 32).notNullable();
    t.string('received_at', 32).notNullable();
  });

exports.down = (knex) => knex.schema.dropTable('orphan_receipts');
