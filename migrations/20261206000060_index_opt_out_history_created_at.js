/**
 * Issue 14's opt-out snapshot (src/services/opt-out-snapshot.service.ts) reads the changes since its last read. On
 * PostgreSQL it also reads again the last minute's changes by time, since an id there is given at insert and a change
 * may commit after one with a higher id: without this index that read went through the whole history.
 */
exports.up = (knex) =>
  knex.schema.alterTable('opt_out_history', (t) => {
    t.index(['created_at'], 'opt_out_history_created_at_index');
  });

exports.down = (knex) =>
  knex.schema.alterTable('opt_out_history', (t) => {
    t.dropIndex(['created_at'], 'opt_out_history_created_at_index');
  });
