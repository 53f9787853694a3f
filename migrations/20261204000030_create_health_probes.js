/**
 * Where /healthz tries a write that needs new pages (then rolls it back, so the table stays empty): it tells a
 * locked database (busy) and a full one (SQLITE_FULL) from a healthy one.
 */
exports.up = (knex) =>
  knex.schema.createTable('health_probes', (t) => {
    t.increments('id');
    t.binary('body').notNullable();
  });

exports.down = (knex) => knex.schema.dropTable('health_probes');
