/**
 * The two database failures a user can do something about: the database is locked by another process (wait and
 * try again), or the disk is full (tell the administrator). The error middleware maps them to 503 and 507.
 */

/** A write gave up waiting for SQLite's write lock (see busy-retry.ts): nothing of it was stored. */
export class DbBusyError extends Error {
  readonly code = 'SQLITE_BUSY';
  constructor(readonly waitedMs: number) {
    // SQLite's own words first, as the logs had them before the wait was retried.
    super(`database is locked: no write lock after ${waitedMs} ms`);
  }
}

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, …). */
export function isBusyError(err: unknown): boolean {
  return err instanceof DbBusyError || (sqliteCode(err)?.startsWith('SQLITE_BUSY') ?? false);
}

export function isDiskFullError(err: unknown): boolean {
  return sqliteCode(err) === 'SQLITE_FULL';
}

/**
 * Text PostgreSQL cannot store (a NUL character, 22021): the request was malformed, not the server. SQLite stores
 * such text as it is, so only PostgreSQL raises it; the error middleware answers 400.
 */
export function isUnstorableTextError(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '22021';
}
