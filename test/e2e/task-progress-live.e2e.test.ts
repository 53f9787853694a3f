/**
 * The task details page while a rate-limited task sends, in a real browser, with the real dispatcher and the stub
 * carrier, and no reload: each poll moves the counts, and with them their percentages and bars (all of the one
 * total, the recipients), the send-per-day table and, once a receipt is in, the delivery rate ("—" before).
 */
import { startBrowserHarness, failOnBrowserErrors, signedInSession, type BrowserHarness } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { phones, seedTask } from '../helpers/tasks';
import { defaultSettings, saveSettings } from '../../src/services/settings.service';

const RECIPIENTS = 1000;
const STATUSES = ['delivered', 'failed', 'rejected', 'submitted', 'pending', 'submitting', 'cancelled'];

interface Sample {
  status: string;
  counts: Record<string, number>;
  shares: Record<string, string>;
  widths: Record<string, number>;
  rate: string;
  dayCounts: number[];
  daysHidden: boolean;
}

let harness: BrowserHarness;

beforeAll(async () => {
  harness = await startBrowserHarness({ dispatch: true });
  const { db } = harness.testApp;
  await addUser(db, 'admin', 'admin');
  const stub = defaultSettings({ timeZone: 'Asia/Shanghai' }).stubCarrier;
  // 1,000 messages at 100 a second: about 10 s of sending; receipts 4–5 s after each hand-over.
  await saveSettings(db, { carrierRatePerSecond: 100, dispatchBatchSize: 50, stubCarrier: { ...stub, delayMinMs: 4000, delayMaxMs: 5000, failureMix: {} } });
});
afterAll(() => harness?.close());
failOnBrowserErrors(() => harness);

test('during a rate-limited send the percentages add up and move with the counts; the rate is "—" before any outcome', async () => {
  const { db } = harness.testApp;
  const { taskId } = await seedTask(db, phones(RECIPIENTS), { sendAt: new Date(Date.now() + 30_000) });
  const { page } = await signedInSession(harness, 'admin');
  await page.goto(`/tasks/${taskId}`);

  // One snapshot of everything the poll redraws, taken between two of the page's own tasks (so never half-drawn).
  const sample = (): Promise<Sample> =>
    page.evaluate((statuses) => {
      const text = (el: Element | null) => (el ? (el as HTMLElement).innerText.trim() : '');
      // Counts are shown grouped ("1,000"), by the server and by the poll alike; the check below sees to that.
      const count = (el: Element | null) => {
        const shown = text(el);
        return /^\d{1,3}(,\d{3})*$/.test(shown) ? Number(shown.replace(/,/g, '')) : NaN;
      };
      const of = <T,>(f: (s: string) => T) => Object.fromEntries(statuses.map((s) => [s, f(s)]));
      return {
        status: document.querySelector('[data-progress-task]')!.getAttribute('data-task-status')!,
        counts: of((s) => count(document.querySelector(`[data-count="${s}"]`))),
        shares: of((s) => text(document.querySelector(`[data-share="${s}"] [data-share-text]`))),
        widths: of((s) => Number(document.querySelector(`[data-share="${s}"] .bar-fill`)?.getAttribute('width') ?? 0)),
        rate: text(document.querySelector('[data-progress-rate]')),
        dayCounts: Array.from(document.querySelectorAll('[data-send-days] [data-day-count]')).map((el) => count(el)),
        daysHidden: (document.querySelector('[data-send-days]') as HTMLElement).hidden === true,
      };
    }, STATUSES);

  const first = await sample();
  expect(first).toMatchObject({ status: 'scheduled', rate: '—', daysHidden: true });
  expect(first.counts.pending).toBe(RECIPIENTS);
  expect(first.shares.pending).toBe('100.0%');

  await db('tasks').where({ id: taskId }).update({ send_at: new Date().toISOString() });
  const samples: Sample[] = [];
  const deadline = Date.now() + 40_000;
  for (;;) {
    const s = await sample();
    samples.push(s);
    if (s.status === 'completed' && s.counts.delivered > 0) break;
    if (Date.now() > deadline) throw new Error(`no progress to completion: ${JSON.stringify(s)}`);
    await page.waitForTimeout(250);
  }

  for (const s of samples) {
    // Every count is of the same total, and its percentage and bar are its share of that total.
    expect(STATUSES.reduce((sum, st) => sum + s.counts[st], 0)).toBe(RECIPIENTS);
    for (const st of STATUSES) {
      expect(s.shares[st]).toBe(((s.counts[st] / RECIPIENTS) * 100).toFixed(1) + '%');
      expect(s.widths[st]).toBeCloseTo(s.counts[st] === 0 ? 0 : Math.max((s.counts[st] / RECIPIENTS) * 100, 0.5), 1);
    }
    const outcomes = s.counts.delivered + s.counts.failed + s.counts.rejected;
    expect(s.rate).toBe(outcomes === 0 ? '—' : ((s.counts.delivered / outcomes) * 100).toFixed(1) + '%');
  }
  const whileSending = samples.filter((s) => s.status === 'sending' && s.counts.pending < RECIPIENTS && s.counts.pending > 0);
  // The counts moved while sending (several distinct polls), and the send-per-day table with them.
  expect(new Set(whileSending.map((s) => s.counts.pending)).size).toBeGreaterThanOrEqual(2);
  expect(whileSending.some((s) => s.rate === '—' && s.counts.submitted > 0)).toBe(true);
  for (const s of whileSending) expect(s.daysHidden).toBe(false);
  expect(new Set(whileSending.map((s) => s.dayCounts[0])).size).toBeGreaterThanOrEqual(2);
  // Receipts are applied while the task still sends.
  expect(whileSending.some((s) => s.counts.delivered > 0)).toBe(true);
  expect(samples[samples.length - 1].dayCounts).toEqual([RECIPIENTS]);
}, 90_000);
