import type { Db } from '../../src/db/knex';
import { Dispatcher } from '../../src/services/dispatcher.service';
import { StubCarrier, DEFAULT_STUB_SETTINGS } from '../../src/carrier/stub.carrier';
import { defaultSettings } from '../../src/services/settings.service';
import { createLogger } from '../../src/log';

/**
 * `n` distinct numbers whose last four digits pick the stub carrier's fixed outcome (src/carrier/stub.carrier.ts):
 * 0000 delivered, 0001 UNDELIV, 0002 REJECTD (rejected at submit), 0003 EXPIRED, 0004 BLACK, 0005 KEYWORD
 * (rejected), 0006 MK:0001; `head` (3 digits) starts them.
 */
export function numbersWithOutcome(n: number, lastFour: string, head = '138'): string[] {
  return Array.from({ length: n }, (_, i) => `${head}${String(i).padStart(4, '0')}${lastFour}`);
}

/**
 * Sends every due task through the real dispatcher and the stub carrier (no receipt delay, no random failures),
 * then applies the receipts: each message ends delivered, failed or rejected as its number says, with the task's
 * counters kept as in production.
 */
export async function runDueTasks(db: Db): Promise<void> {
  const stub = { ...DEFAULT_STUB_SETTINGS, delayMinMs: 0, delayMaxMs: 0, failureMix: {} };
  const settings = { ...defaultSettings({ timeZone: 'Asia/Shanghai' }), dispatchBatchSize: 200 };
  const dispatcher = new Dispatcher(db, new StubCarrier(db, async () => stub), async () => settings, createLogger('silent'), { leaseMs: 30_000 });
  await dispatcher.tick();
  await dispatcher.pullReceipts();
  await dispatcher.stop();
}
