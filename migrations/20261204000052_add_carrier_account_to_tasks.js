/**
 * The account a task was routed to, frozen at confirm so a routing change never moves a task half-way. Null for
 * drafts and for tasks confirmed before routing existed (the built-in simulator sent those). A plain integer, not a
 * foreign key: SQLite can only add a referencing column without a rebuild, and could not drop it again in down();
 * the carriers service refuses to delete an account a task names.
 */
exports.up = async (knex) => {
  await knex.raw('alter table tasks add column carrier_account_id integer');
};

// SQL's own DROP COLUMN, not knex's SQLite table rebuild, which would cascade-delete rows referencing this table.
exports.down = async (knex) => {
  await knex.raw('alter table tasks drop column carrier_account_id');
};
