/**
 * The stub carrier's own books: every message it accepted, once per idempotency key (our message id), and
 * when it will report the planned outcome. Tests count these rows to prove nothing was sent twice.
 */
exports.up = (knex) =>
  knex.schema.createTable('stub_carrier_ledger', (t) => {
    t.increments('id');
    t.string('idempotency_key', 64).notNullable().unique();
    t.string('carrier_message_id', 64).notNullable();
    t.string('phone', 16).notNullable();
    t.text('content').notNullable();
    t.string('outcome_code', 32).notNullable();
    t.string('accepted_at', 32).notNullable();
    t.string('report_at', 32).notNullable();
    t.string('reported_at', 32).nullable();
    t.integer('submissions').notNullable().defaultTo(1);
    t.index(['reported_at', 'report_at']);
  });

exports.down = (knex) => knex.schema.dropTable('stub_carrier_ledger');
