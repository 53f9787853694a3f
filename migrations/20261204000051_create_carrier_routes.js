/**
 * Which account sends each SMS type, and the optional fallback used while the first is down. No cascade: an account
 * a route names cannot be deleted (the service refuses with a reason first, the foreign key backs it up).
 */
exports.up = async (knex) => {
  await knex.schema.createTable('carrier_routes', (t) => {
    t.string('sms_type', 16).primary();
    t.integer('primary_account_id').notNullable().references('carrier_accounts.id');
    t.integer('fallback_account_id').nullable().references('carrier_accounts.id');
    t.string('updated_at', 32).notNullable();
  });
  // Every type to the built-in simulator the accounts migration created, so a fresh install sends as before.
  const stub = await knex('carrier_accounts').where({ kind: 'stub' }).orderBy('id').first('id');
  if (!stub) return;
  const now = new Date().toISOString();
  await knex('carrier_routes').insert(['verification', 'notification', 'marketing'].map((smsType) => ({ sms_type: smsType, primary_account_id: stub.id, updated_at: now })));
};

exports.down = (knex) => knex.schema.dropTable('carrier_routes');
