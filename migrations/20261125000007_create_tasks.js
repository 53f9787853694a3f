/**
 * Send tasks. A task is created as a draft by the recipient check and becomes scheduled on confirm; the
 * signature/template text is copied in (snapshot) so later catalogue edits never change history.
 */
exports.up = (knex) =>
  knex.schema.createTable('tasks', (t) => {
    t.string('id', 16).primary();
    t.string('status', 16).notNullable();
    t.string('sms_type', 16).notNullable();
    t.integer('signature_id').nullable().references('signatures.id').onDelete('SET NULL');
    t.integer('template_id').nullable().references('templates.id').onDelete('SET NULL');
    t.string('signature_text', 32).notNullable();
    t.string('template_name', 64).notNullable();
    t.text('template_content').notNullable();
    t.string('source', 16).notNullable();
    t.string('file_name', 255).nullable();
    t.string('send_mode', 16).notNullable();
    t.string('send_at', 32).nullable();
    t.integer('rows_read').notNullable().defaultTo(0);
    t.integer('recipient_count').notNullable().defaultTo(0);
    t.integer('invalid_count').notNullable().defaultTo(0);
    t.integer('duplicates_removed').notNullable().defaultTo(0);
    t.integer('repeated_numbers').notNullable().defaultTo(0);
    t.integer('total_segments').notNullable().defaultTo(0);
    t.integer('max_chars').notNullable().defaultTo(0);
    t.integer('max_segments').notNullable().defaultTo(0);
    t.text('form_state').nullable();
    t.integer('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.string('expires_at', 32).nullable();
    t.string('confirmed_at', 32).nullable();
    t.index(['status', 'send_at']);
    t.index(['created_at']);
    t.index(['status', 'expires_at']);
  });

exports.down = (knex) => knex.schema.dropTable('tasks');
