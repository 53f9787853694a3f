import { ALL_PAGES, backupSteps } from './backup-steps';

test.each([
  ['no write meanwhile: small steps to the end', [700, 600, 500, 400], [100, 100, 100, 100], 0],
  ['a restart: the rest in one step', [700, 600, 705], [100, 100, ALL_PAGES], 1],
  ['a restart after the database grew and shrank back: still seen', [700, 600, 650, 10], [100, 100, ALL_PAGES, ALL_PAGES], 1],
  ['the same remaining count twice is no restart', [700, 700, 600], [100, 100, 100], 0],
])('%s', (_name, remaining, steps, restarts) => {
  const policy = backupSteps(100);
  expect(remaining.map((remainingPages) => policy.next({ remainingPages }))).toEqual(steps);
  expect(policy.restarts()).toBe(restarts);
});
