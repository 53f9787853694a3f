/**
 * Issue 14: a user's TOTP authenticator. One row a user: made (unconfirmed) when enrolment starts, confirmed by a
 * current code, deleted by a reset. The shared secret is sealed with the app's secret box (QUNFA_SECRET_KEY), never
 * stored in clear. last_used_step is the 30-second step of the last code accepted: a code of that step or an
 * earlier one is refused, so a code seen over someone's shoulder cannot be replayed within its window.
 */
exports.up = (knex) =>
  knex.schema.createTable('totp_credentials', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().unique().references('id').inTable('users').onDelete('CASCADE');
    t.text('secret_box').notNullable();
    t.string('confirmed_at', 32).nullable();
    t.integer('last_used_step').nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
  });

exports.down = (knex) => knex.schema.dropTable('totp_credentials');
