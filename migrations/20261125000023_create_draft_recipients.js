/**
 * A draft's checked recipients, kept in chunks of JSON rows until the draft is confirmed (issue 3: "csv 100,000 rows
 * < 1 s" from upload to draft stored). Writing 100,000 rows into `messages` costs about a second, most of it in
 * the seven secondary indexes the task pages need; a draft needs none of them (the check page shows its report and
 * one example message), and many drafts are never confirmed (a file is fixed and uploaded again). Confirming moves
 * the rows into `messages` in the transaction that confirms the draft.
 *
 * A chunk holds up to 5,000 rows, each `[row_number, phone, params (an array), content, chars, segments]`, as one
 * JSON array in UTF-8 bytes (binary: a BLOB on SQLite, bytea on PostgreSQL).
 * Drafts made before this migration have their messages moved here, so that every draft is in one shape; `down`
 * moves them back.
 */
const CHUNK = 5000;
const COLUMNS = ['row_number', 'phone', 'params', 'content', 'chars', 'segments'];
const PARAMS = COLUMNS.indexOf('params');

async function draftIds(knex) {
  return knex('tasks').where('status', 'draft').orderBy('id').pluck('id');
}

exports.up = async (knex) => {
  await knex.schema.createTable('draft_recipients', (t) => {
    t.string('task_id', 16).notNullable().references('tasks.id').onDelete('CASCADE');
    t.integer('chunk').notNullable();
    t.binary('rows').notNullable();
    t.primary(['task_id', 'chunk']);
  });
  for (const taskId of await draftIds(knex)) {
    let chunk = 0;
    let afterId = 0;
    for (;;) {
      const rows = await knex('messages').where('task_id', taskId).where('id', '>', afterId).orderBy('id').limit(CHUNK).select('id', ...COLUMNS);
      if (rows.length === 0) break;
      afterId = rows[rows.length - 1].id;
      const packed = rows.map((r) => COLUMNS.map((c) => (c === 'params' ? JSON.parse(r[c]) : r[c])));
      await knex('draft_recipients').insert({ task_id: taskId, chunk, rows: Buffer.from(JSON.stringify(packed), 'utf8') });
      chunk += 1;
    }
    await knex('messages').where('task_id', taskId).delete();
  }
};

exports.down = async (knex) => {
  for (const taskId of await draftIds(knex)) {
    const chunks = await knex('draft_recipients').where('task_id', taskId).orderBy('chunk').pluck('rows');
    for (const bytes of chunks) {
      const rows = JSON.parse(Buffer.from(bytes).toString('utf8')).map((r) => ({
        ...Object.fromEntries(COLUMNS.map((c, i) => [c, i === PARAMS ? JSON.stringify(r[i]) : r[i]])),
        task_id: taskId,
        status: 'pending',
      }));
      // 9 bound values per row: 100 rows stay below every client's bound-parameter limit.
      for (let i = 0; i < rows.length; i += 100) await knex('messages').insert(rows.slice(i, i + 100));
    }
  }
  await knex.schema.dropTable('draft_recipients');
};
