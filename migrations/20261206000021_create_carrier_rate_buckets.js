/**
 * Issue 13: a carrier's messages-per-second limit held across every instance on the database, as a token bucket
 * per carrier: the tokens left and when they were last refilled (the database's clock). A batch takes its tokens
 * in one UPDATE … RETURNING; a bucket in debt tells the sender how long to wait.
 */
exports.up = (knex) =>
  knex.schema.createTable('carrier_rate_buckets', (t) => {
    t.string('bucket', 100).primary();
    t.double('tokens').notNullable();
    t.string('refilled_at', 32).notNullable();
  });

exports.down = (knex) => knex.schema.dropTable('carrier_rate_buckets');
