/**
 * The accounts Qunfa sends through. Non-secret settings are one JSON object per kind (an SMPP account and a cloud
 * account share nothing but their name); secrets are one AES-256-GCM box (src/secrets/secret-box.ts), never plain.
 * state/last_error/state_since are the connector's live view, written by it and read by the /carriers page.
 * A fresh install (and every install from before carrier accounts) keeps sending to the built-in simulator: the table
 * starts with one `stub` account (its name is data: admins may rename it), which the routes table routes everywhere.
 */
exports.up = async (knex) => {
  await knex.schema.createTable('carrier_accounts', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique();
    t.string('kind', 16).notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('settings').notNullable().defaultTo('{}');
    t.text('secrets').nullable();
    t.string('state', 16).notNullable().defaultTo('down');
    t.text('last_error').nullable();
    t.string('state_since', 32).notNullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
  });
  const now = new Date().toISOString();
  await knex('carrier_accounts').insert({ name: 'Built-in simulator', kind: 'stub', enabled: true, settings: '{}', state: 'connected', state_since: now, created_at: now, updated_at: now });
};

exports.down = (knex) => knex.schema.dropTable('carrier_accounts');
