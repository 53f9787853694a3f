/**
 * Task ids are given at confirm (issue 12 item 11), so a check no longer uses one up. A draft's row is keyed by its
 * handle (`D` + 12 hex digits) until it is confirmed; the confirm renames it to the next task id and keeps the
 * handle here, so the draft's old links (its check page, a second confirm from another tab) still find the task.
 * Unique where set; null for drafts and for tasks confirmed before this change.
 * No foreign key and no table rebuild: the column is added with ALTER TABLE (see migration 21 for why).
 */
exports.up = (knex) =>
  knex.schema.alterTable('tasks', (t) => {
    t.string('draft_id', 16).nullable();
    t.unique(['draft_id'], { indexName: 'tasks_draft_id_unique' });
  });

exports.down = async (knex) => {
  await knex.schema.alterTable('tasks', (t) => {
    t.dropUnique(['draft_id'], 'tasks_draft_id_unique');
  });
  await knex.raw('alter table tasks drop column draft_id');
};
