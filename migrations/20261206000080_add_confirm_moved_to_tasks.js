/**
 * Issue 15: a large confirm moves a draft's recipients into `messages` in several transactions, the task in status
 * `confirming` meanwhile (invisible to the dispatcher, not confirmable twice). This counts the recipients moved so
 * far: the page that waits for the confirm shows it, and it says how far a move interrupted by a crash had got
 * (what is left is the draft_recipients chunks still there). Added with ALTER TABLE (see migration 21 for why).
 */
exports.up = (knex) =>
  knex.schema.alterTable('tasks', (t) => {
    t.integer('confirm_moved').notNullable().defaultTo(0);
  });

exports.down = (knex) => knex.raw('alter table tasks drop column confirm_moved');
