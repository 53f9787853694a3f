/**
 * How many pages each step of a backup copies (see backup.ts). SQLite starts a backup again from the first page
 * whenever another connection writes to the source between two steps; on a busy app copied in small steps that
 * could go on for ever. So steps are small until the first restart, and after it all that is left is copied in one
 * step: one read transaction, which in WAL mode does not hold up the app's writes.
 */

/** All that is left, in one step. */
export const ALL_PAGES = 0x7fffffff;

export interface BackupSteps {
  /** better-sqlite3's progress callback: the pages to copy in the next step. */
  next(progress: { remainingPages: number }): number;
  restarts(): number;
}

export function backupSteps(pagesPerStep: number): BackupSteps {
  let restarts = 0;
  let lastRemaining = Infinity;
  return {
    next({ remainingPages }) {
      // After a restart SQLite counts the whole database as remaining again.
      if (remainingPages > lastRemaining) restarts += 1;
      lastRemaining = remainingPages;
      return restarts > 0 ? ALL_PAGES : pagesPerStep;
    },
    restarts: () => restarts,
  };
}
