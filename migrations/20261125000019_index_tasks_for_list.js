/**
 * Indexes for the task list's filters (issue 5). The list is newest first by id with keyset pagination, so each
 * equality filter gets an index that ends in id: SQLite then reads the first page of a filtered list in order
 * and stops after one page, and counts the filtered set from the index. The id order itself comes from the
 * primary key's own index.
 * - (status, id), (created_by, id) ("mine only", created by), (sms_type, id), (signature_id, id), (template_id, id).
 * - (send_at): the sending-time range. The existing (status, send_at) serves the dispatcher, which always
 *   names the status; a range alone cannot use it.
 */
const INDEXES = [
  ['status', 'id'],
  ['created_by', 'id'],
  ['sms_type', 'id'],
  ['signature_id', 'id'],
  ['template_id', 'id'],
  ['send_at'],
];

const name = (columns) => `tasks_list_${columns.join('_')}_index`;

exports.up = (knex) =>
  knex.schema.alterTable('tasks', (t) => {
    for (const columns of INDEXES) t.index(columns, name(columns));
  });

exports.down = (knex) =>
  knex.schema.alterTable('tasks', (t) => {
    for (const columns of INDEXES) t.dropIndex(columns, name(columns));
  });
