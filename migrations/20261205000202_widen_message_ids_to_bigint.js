/**
 * PostgreSQL only (issue 13): knex's increments() is a 32-bit serial there, and messages, their receipts and the stub
 * carrier's ledger gain a row per message sent: about 2.1 billion ids run out in a few years of a busy install.
 * Widened to bigint, sequences included (a serial's sequence is capped at the 32-bit maximum on its own). SQLite's
 * integer primary keys are 64-bit already.
 */
const COLUMNS = [
  ['messages', 'id', 'messages_id_seq'],
  ['receipts', 'id', 'receipts_id_seq'],
  ['receipts', 'message_id', null],
  ['stub_carrier_ledger', 'id', 'stub_carrier_ledger_id_seq'],
];

const isPostgres = (knex) => knex.client.config.client === 'pg';

/** Changes nothing on SQLite (migrations.test.ts then expects no schema change from it there). */
exports.onlyOn = 'pg';

async function setType(knex, type) {
  for (const [table, column, sequence] of COLUMNS) {
    await knex.raw(`alter table ?? alter column ?? type ${type}`, [table, column]);
    if (sequence) await knex.raw(`alter sequence ?? as ${type}`, [sequence]);
  }
}

exports.up = async (knex) => {
  if (isPostgres(knex)) await setType(knex, 'bigint');
};

exports.down = async (knex) => {
  if (isPostgres(knex)) await setType(knex, 'integer');
};
