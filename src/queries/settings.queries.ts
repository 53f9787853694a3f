import type { Knex } from 'knex';

export async function readSettingRows(db: Knex): Promise<Record<string, unknown>> {
  const rows = await db('settings').select('key', 'value');
  const out: Record<string, unknown> = {};
  for (const r of rows as { key: string; value: string }[]) {
    try {
      out[r.key] = JSON.parse(r.value);
    } catch {
      // A hand-edited unreadable value falls back to the default rather than breaking every page.
    }
  }
  return out;
}

export async function writeSettingRows(db: Knex, values: Record<string, unknown>): Promise<void> {
  const now = new Date().toISOString();
  await db.transaction(async (trx) => {
    for (const [key, value] of Object.entries(values)) {
      await trx('settings')
        .insert({ key, value: JSON.stringify(value), updated_at: now })
        .onConflict('key')
        .merge(['value', 'updated_at']);
    }
  });
}
