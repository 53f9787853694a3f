/**
 * Per-message delivery: the carrier's id, attempts and back-off for temporary errors, when it was handed to the
 * carrier (sending time), and the receipt (code, description, report time).
 */
exports.up = (knex) =>
  knex.schema.alterTable('messages', (t) => {
    t.string('carrier_message_id', 64).nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('next_attempt_at', 32).nullable();
    t.string('submitted_at', 32).nullable();
    t.string('reported_at', 32).nullable();
    t.string('code', 32).nullable();
    t.string('description', 255).nullable();
    t.index(['task_id', 'status', 'id']);
    t.index(['carrier_message_id']);
  });

// SQL's own DROP COLUMN, not knex's SQLite table rebuild, which would cascade-delete rows referencing this table.
exports.down = async (knex) => {
  await knex.schema.alterTable('messages', (t) => {
    t.dropIndex(['task_id', 'status', 'id']);
    t.dropIndex(['carrier_message_id']);
  });
  await knex.raw('alter table messages drop column carrier_message_id');
  await knex.raw('alter table messages drop column attempts');
  await knex.raw('alter table messages drop column next_attempt_at');
  await knex.raw('alter table messages drop column submitted_at');
  await knex.raw('alter table messages drop column reported_at');
  await knex.raw('alter table messages drop column code');
  await knex.raw('alter table messages drop column description');
};
