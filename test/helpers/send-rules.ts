import type { Knex } from 'knex';
import { readSendRules } from '../../src/services/send-rules.service';
import { writeSettingRows } from '../../src/queries/settings.queries';

/**
 * Switches enforced quiet hours off (issue 14, on by default from 21:00 to 08:00), keeping the other send rules: for
 * tests of what a marketing task scheduled at night does when an admin has allowed it.
 */
export async function switchQuietHoursOff(db: Knex): Promise<void> {
  const rules = await readSendRules(db);
  await writeSettingRows(db, { sendRules: { ...rules, quietHours: { ...rules.quietHours, enabled: false } } });
}
