/**
 * The audit log (issue 14): who did what, from where, when, to which object, with a before/after summary.
 * Append-only, enforced by the database itself rather than by convention: triggers refuse every UPDATE, and every DELETE
 * except one made while the retention job holds the gate (audit_retention_gates), and then only of records older
 * than the gate's cutoff. A cutoff less than 30 days old is refused too, so even the guarded path cannot empty the
 * recent log. Actors carry their label (username, key name) as it was, so a renamed or retired actor still reads.
 */
const CUTOFF_FLOOR = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days')";

const isPostgres = (knex) => knex.client.config.client === 'pg';

/**
 * The same four rules on PostgreSQL, as plpgsql trigger functions (its triggers cannot hold a statement list).
 * Times are ISO text there too, so the cutoff compares as text; the floor is the same 30 days.
 */
const PG_TRIGGERS = [
  `CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$`,
  `CREATE FUNCTION audit_guard_delete() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF NOT EXISTS (SELECT 1 FROM audit_retention_gates g WHERE OLD.created_at < g.cutoff) THEN
       RAISE EXCEPTION 'audit_records is append-only';
     END IF;
     RETURN OLD;
   END $$`,
  `CREATE FUNCTION audit_gate_floor() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF NEW.cutoff > to_char(now() AT TIME ZONE 'UTC' - interval '30 days', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') THEN
       RAISE EXCEPTION 'audit retention keeps at least 30 days';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records FOR EACH ROW EXECUTE FUNCTION audit_refuse('audit_records is append-only')`,
  `CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records FOR EACH ROW EXECUTE FUNCTION audit_guard_delete()`,
  `CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse('audit_records is append-only')`,
  `CREATE TRIGGER audit_retention_gates_floor BEFORE INSERT ON audit_retention_gates FOR EACH ROW EXECUTE FUNCTION audit_gate_floor()`,
  `CREATE TRIGGER audit_retention_gates_no_update BEFORE UPDATE ON audit_retention_gates FOR EACH ROW EXECUTE FUNCTION audit_refuse('audit retention gates cannot be changed')`,
];

exports.up = async (knex) => {
  await knex.schema.createTable('audit_records', (t) => {
    t.increments('id');
    t.string('created_at', 32).notNullable();
    t.integer('actor_user_id').nullable();
    t.integer('actor_api_key_id').nullable();
    t.string('actor_label', 128).notNullable();
    t.string('ip', 64).nullable();
    t.string('action', 48).notNullable();
    t.string('object_type', 32).nullable();
    t.string('object_id', 64).nullable();
    t.text('summary').nullable();
    t.index(['created_at']);
    t.index(['action', 'id']);
    t.index(['actor_label', 'id']);
    t.index(['object_type', 'object_id', 'id']);
  });
  await knex.schema.createTable('audit_retention_gates', (t) => {
    t.increments('id');
    t.string('cutoff', 32).notNullable();
  });
  if (isPostgres(knex)) {
    for (const sql of PG_TRIGGERS) await knex.raw(sql);
    return;
  }
  await knex.raw(`CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
    BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END`);
  await knex.raw(`CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
    WHEN NOT EXISTS (SELECT 1 FROM audit_retention_gates g WHERE OLD.created_at < g.cutoff)
    BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END`);
  await knex.raw(`CREATE TRIGGER audit_retention_gates_floor BEFORE INSERT ON audit_retention_gates
    WHEN NEW.cutoff > ${CUTOFF_FLOOR}
    BEGIN SELECT RAISE(ABORT, 'audit retention keeps at least 30 days'); END`);
  await knex.raw(`CREATE TRIGGER audit_retention_gates_no_update BEFORE UPDATE ON audit_retention_gates
    BEGIN SELECT RAISE(ABORT, 'audit retention gates cannot be changed'); END`);
};

exports.down = async (knex) => {
  if (isPostgres(knex)) {
    // Dropping the tables drops their triggers; the functions go after them.
    await knex.schema.dropTable('audit_retention_gates');
    await knex.schema.dropTable('audit_records');
    for (const fn of ['audit_refuse', 'audit_guard_delete', 'audit_gate_floor']) await knex.raw(`DROP FUNCTION ${fn}()`);
    return;
  }
  await knex.raw('DROP TRIGGER audit_retention_gates_no_update');
  await knex.raw('DROP TRIGGER audit_retention_gates_floor');
  await knex.raw('DROP TRIGGER audit_records_no_delete');
  await knex.raw('DROP TRIGGER audit_records_no_update');
  await knex.schema.dropTable('audit_retention_gates');
  await knex.schema.dropTable('audit_records');
};
