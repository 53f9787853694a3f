import { billed, shownStatus } from './task-status';

const at = '2026-12-05T03:00:00.000Z';

test.each([
  [{ status: 'sending', cancelledAt: null, startedAt: at }, 'sending'],
  [{ status: 'sending', cancelledAt: at, startedAt: at }, 'stopped'],
  [{ status: 'cancelled', cancelledAt: at, startedAt: at }, 'stopped'],
  [{ status: 'cancelled', cancelledAt: at, startedAt: null }, 'cancelled'],
  [{ status: 'completed', cancelledAt: null, startedAt: at }, 'completed'],
  [{ status: 'scheduled', cancelledAt: null, startedAt: null }, 'scheduled'],
] as const)('%o shows as %s', (task, shown) => {
  expect(shownStatus(task)).toBe(shown);
});

test('billed figures leave the cancelled messages out', () => {
  expect(billed({ totalSegments: 40_000, totalChars: 1_000_000, cancelledSegments: 37_600, cancelledChars: 940_000 })).toEqual({ segments: 2_400, chars: 60_000 });
});
