/**
 * Issue 13: with several instances, each due stub receipt is handed to one of them. A poller claims the receipts it
 * takes until `claimed_until` (the database's clock); the others skip them meanwhile. A poller that died before its
 * acknowledgement (reported_at) lets its claim run out, and another delivers those receipts again.
 */
exports.up = (knex) =>
  knex.schema.alterTable('stub_carrier_ledger', (t) => {
    t.string('claimed_until', 32).nullable();
  });

// SQL's own DROP COLUMN, not knex's SQLite table rebuild.
exports.down = (knex) => knex.raw('alter table stub_carrier_ledger drop column claimed_until');
