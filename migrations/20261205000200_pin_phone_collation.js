/**
 * PostgreSQL only (issue 13): the phone searches find a prefix as the range [digits, digits + ':'), which holds
 * only under byte order ('9' < ':'). A database created with an ICU or glibc locale sorts punctuation first
 * ('13800138000' < '138:' is false), and the search silently finds nothing. COLLATE "C" on the searched phone
 * columns makes them byte-ordered whatever the database's locale; the start-up check (src/db/collation-check.ts)
 * then passes. SQLite compares text bytewise already: nothing to do there.
 */
const COLUMNS = [
  ['messages', 'phone', 16],
  ['inbound_messages', 'phone', 32],
];

const isPostgres = (knex) => knex.client.config.client === 'pg';

/** Changes nothing on SQLite (migrations.test.ts then expects no schema change from it there). */
exports.onlyOn = 'pg';

exports.up = async (knex) => {
  if (!isPostgres(knex)) return;
  for (const [table, column, length] of COLUMNS) {
    await knex.raw(`alter table ?? alter column ?? type varchar(${length}) collate "C"`, [table, column]);
  }
};

exports.down = async (knex) => {
  if (!isPostgres(knex)) return;
  for (const [table, column, length] of COLUMNS) {
    await knex.raw(`alter table ?? alter column ?? type varchar(${length}) collate "default"`, [table, column]);
  }
};
