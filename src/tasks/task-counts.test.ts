import { taskCounts, type TaskCounters } from './task-counts';

const task = (over: Partial<TaskCounters>): TaskCounters => ({
  status: 'sending',
  recipientCount: 0,
  submittedCount: 0,
  deliveredCount: 0,
  failedCount: 0,
  rejectedCount: 0,
  cancelledCount: 0,
  unsentFailedCount: 0,
  ...over,
});

// [what, counters, in flight, expected by status (pending, submitting, submitted, delivered, failed, rejected, cancelled), handed, outcomes.pending, rate]
const cases: [string, Partial<TaskCounters>, number, number[], number, number, number | null][] = [
  ['scheduled, nothing sent', { status: 'scheduled', recipientCount: 3000 }, 0, [3000, 0, 0, 0, 0, 0, 0], 0, 3000, null],
  ['sending: 2,000 handed, 800 still unsent (the issue’s example), a batch of 200 out', { recipientCount: 3000, submittedCount: 1990, rejectedCount: 10 }, 200, [800, 200, 1990, 0, 0, 10, 0], 2000, 2990, 0],
  ['sending: receipts coming in', { recipientCount: 3000, submittedCount: 2000, deliveredCount: 1500, failedCount: 20 }, 0, [1000, 0, 480, 1500, 20, 0, 0], 2000, 1480, 1500 / 1520],
  ['sending: 5 failed without being accepted (retries ran out) are not unsent', { recipientCount: 100, submittedCount: 50, deliveredCount: 40, failedCount: 7, unsentFailedCount: 5 }, 0, [45, 0, 8, 40, 7, 0, 0], 50, 53, 40 / 47],
  ['in flight never more than what is unsent', { recipientCount: 10, submittedCount: 9 }, 200, [0, 1, 9, 0, 0, 0, 0], 9, 10, null],
  ['completed, awaiting receipts', { status: 'completed', recipientCount: 3000, submittedCount: 2990, rejectedCount: 10, deliveredCount: 100 }, 0, [0, 0, 2890, 100, 0, 10, 0], 3000, 2890, 100 / 110],
  ['completed before the unsent-failed counter, messages removed: nothing unsent', { status: 'completed', recipientCount: 100, submittedCount: 95, deliveredCount: 95, failedCount: 5 }, 0, [0, 0, 0, 95, 5, 0, 0], 95, 0, 0.95],
  ['stopped while sending', { status: 'cancelled', recipientCount: 100, submittedCount: 30, deliveredCount: 30, cancelledCount: 70 }, 0, [0, 0, 0, 30, 0, 0, 70], 30, 0, 1],
  ['counters ahead of each other never go negative', { recipientCount: 5, submittedCount: 5, deliveredCount: 6 }, 0, [0, 0, 0, 6, 0, 0, 0], 5, 0, 1],
];

test.each(cases)('%s', (_what, counters, inFlight, expected, handed, pending, rate) => {
  const c = taskCounts(task(counters), inFlight);
  const [p, s, sub, d, f, r, x] = expected;
  expect(c.byStatus).toEqual({ pending: p, submitting: s, submitted: sub, delivered: d, failed: f, rejected: r, cancelled: x, unknown: 0 });
  expect(c.handed).toBe(handed);
  expect(c.outcomes.pending).toBe(pending);
  expect(c.outcomes.failed).toBe(f + r);
  if (rate === null) expect(c.rate).toBeNull();
  else expect(c.rate).toBeCloseTo(rate, 10);
  // Every share on the details page is of the recipients: the counts add up to them (when the counters are sane).
  if (d <= (counters.submittedCount ?? 0)) expect(Object.values(c.byStatus).reduce((a, b) => a + b, 0)).toBe(c.recipients);
});
