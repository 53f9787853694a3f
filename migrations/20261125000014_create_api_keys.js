/** API keys: only a SHA-256 hash of the secret is stored; the prefix lets people recognise a key in the list. */
exports.up = (knex) =>
  knex.schema.createTable('api_keys', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable();
    t.string('prefix', 16).notNullable();
    t.string('key_hash', 64).notNullable().unique();
    t.integer('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('last_used_at', 32).nullable();
    t.string('revoked_at', 32).nullable();
  });

exports.down = (knex) => knex.schema.dropTable('api_keys');
