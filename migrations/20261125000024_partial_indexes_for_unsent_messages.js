/**
 * Three message indexes only ever look up rows that have been sent or have a receipt: by the carrier's id (a
 * receipt arriving), by receipt code (the details filter), by sending time (the per-day send times). A message is
 * inserted with all three columns empty, so as full indexes each held an entry for every unsent message, written
 * when the confirm moves a draft's recipients into `messages`. Partial indexes (`WHERE column IS NOT NULL`) skip
 * those: moving 100,000 recipients took about 20% less (873 → 702 ms, best of six). Every query on these columns
 * compares them (`=`, `>=`, `<`, `IS NOT NULL`), which lets SQLite and PostgreSQL use a partial index.
 */
const INDEXES = [
  ['messages_carrier_message_id_index', ['carrier_message_id'], 'carrier_message_id'],
  ['messages_task_id_code_id_index', ['task_id', 'code', 'id'], 'code'],
  ['messages_task_id_submitted_at_index', ['task_id', 'submitted_at'], 'submitted_at'],
];

exports.up = async (knex) => {
  for (const [name, columns, nullable] of INDEXES) {
    await knex.schema.alterTable('messages', (t) => {
      t.dropIndex(columns, name);
    });
    await knex.schema.alterTable('messages', (t) => {
      t.index(columns, name, { predicate: knex.whereNotNull(nullable) });
    });
  }
};

exports.down = async (knex) => {
  for (const [name, columns] of INDEXES) {
    await knex.schema.alterTable('messages', (t) => {
      t.dropIndex(columns, name);
    });
    await knex.schema.alterTable('messages', (t) => {
      t.index(columns, name);
    });
  }
};
