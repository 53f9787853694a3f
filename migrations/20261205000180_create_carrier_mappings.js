/**
 * Issue 11: per cloud account, a Qunfa template's provider template id/code and a Qunfa signature's provider
 * signature text. Keyed by the Qunfa item's name, not its id, so CARRIERS_FILE can name a template or signature
 * that is created (and approved) later, and a task (which keeps its template's name) finds its mapping.
 * `param_names` (JSON) are Alibaba's variable names in the order of {1}, {2}…; `mismatch` is what the last
 * "fetch from provider" found different (`variables` or `text`), with the provider's text to show beside it.
 */
exports.up = async (knex) => {
  await knex.schema.createTable('carrier_mappings', (t) => {
    t.increments('id');
    t.integer('account_id').notNullable().references('id').inTable('carrier_accounts').onDelete('CASCADE');
    t.string('item', 16).notNullable();
    t.string('name', 64).notNullable();
    t.string('provider_ref', 128).notNullable();
    t.text('param_names').nullable();
    t.string('mismatch', 16).nullable();
    t.text('provider_text').nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.unique(['account_id', 'item', 'name']);
    t.index(['item', 'name']);
  });
};

exports.down = (knex) => knex.schema.dropTable('carrier_mappings');
