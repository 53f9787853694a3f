/**
 * The SQL that differs between SQLite (the default) and PostgreSQL (DATABASE_URL, issue 13), in one place: a query
 * module asks here for the engine's spelling instead of writing either one itself.
 */
import type { Knex } from 'knex';

export function isPostgres(db: Knex): boolean {
  return (db.client as { config: { client?: unknown } }).config.client === 'pg';
}

export function isSqlite(db: Knex): boolean {
  return (db.client as { driverName?: string }).driverName === 'better-sqlite3';
}

/** `bytes` zero bytes, as a value to insert. */
export function zeroBytes(db: Knex, bytes: number): Knex.Raw {
  return isPostgres(db) ? db.raw('decode(repeat(?, ?), ?)', ['00', bytes, 'hex']) : db.raw('zeroblob(?)', [bytes]);
}

/**
 * The last `length` characters of `column`. SQLite's substr(x, -n) means that; PostgreSQL's substr counts a
 * negative start from before the first character, so it is right(x, n) there. Both engines have an index on the
 * exact expression (migrations 70 and 20261205000201).
 */
export function lastChars(db: Knex, column: string, length: number | '?'): string {
  return isPostgres(db) ? `right(${column}, ${length})` : `substr(${column}, -${length})`;
}

/**
 * A FROM item yielding one row per element of a JSON array bound as `?` (text), each as `e.value`, so that
 * `e.value ->> 0` reads its first item on both engines: SQLite's json_each, PostgreSQL's jsonb_array_elements.
 */
export function jsonArrayRows(db: Knex): string {
  return isPostgres(db) ? 'jsonb_array_elements(cast(? as jsonb)) as e(value)' : 'json_each(?) as e';
}

/** The rows of a `db.raw(…)` result: an array on SQLite, node-postgres's result object (`.rows`) on PostgreSQL. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

/**
 * Inside a transaction on PostgreSQL, reads the rows FOR SHARE (of `alias`): a concurrent update of them waits
 * until the transaction ends, as every write does on SQLite, where a transaction holds the write lock from BEGIN.
 * Outside a transaction, or on SQLite, the query is left as it is.
 */
export function heldUntilCommit(db: Knex, q: Knex.QueryBuilder, alias: string): Knex.QueryBuilder {
  return isPostgres(db) && db.isTransaction ? q.forShare(alias) : q;
}

/**
 * PostgreSQL: rows written by transactions that ended before any transaction still running began (a table's
 * `txid xid8 default pg_current_xact_id()` column, migration 20261205000204). No transaction can commit such a
 * row later, so a reader following (txid, id) never sees one land behind its position.
 */
export const COMMITTED_FOR_GOOD = 'txid < pg_snapshot_xmin(pg_current_snapshot())';

/** `column` holds the bound text anywhere, in any case: SQLite's instr, PostgreSQL's strpos (same arguments). */
export function containsIgnoringCase(db: Knex, column: string): string {
  return `${isPostgres(db) ? 'strpos' : 'instr'}(lower(${column}), lower(?)) > 0`;
}

/**
 * A FROM item yielding one row per string of a JSON array bound as `?`, its text as `<alias>.value`: SQLite's
 * json_each, PostgreSQL's jsonb_array_elements_text. (For a batch of numbers looked up in one statement.)
 */
export function jsonTextValues(db: Knex, alias = 'j'): string {
  return isPostgres(db) ? `jsonb_array_elements_text(cast(? as jsonb)) as ${alias}(value)` : `json_each(?) as ${alias}`;
}

/**
 * The database's own clock as ISO-8601 UTC text (the form every time column holds), `offsetMs` ahead: what leases
 * are written and compared with (issue 13), so every instance reads one clock and a box whose clock runs fast
 * cannot take a lease that is still live. PostgreSQL's clock_timestamp() (not now(), fixed at the transaction's
 * start); SQLite's 'now', the clock of the one box its file lives on.
 */
export function dbClockIso(db: Knex, offsetMs = 0): Knex.Raw {
  const seconds = (offsetMs / 1000).toFixed(3);
  return isPostgres(db)
    ? db.raw(`to_char((clock_timestamp() + make_interval(secs => cast(? as double precision))) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`, [seconds])
    : db.raw(`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)`, [`${offsetMs < 0 ? '' : '+'}${seconds} seconds`]);
}

/**
 * PostgreSQL: the rows a claim reads are locked FOR UPDATE, and rows another transaction holds are skipped, not
 * waited for (SKIP LOCKED): instances claiming at once each get a different row. SQLite has one writer, whose write
 * statement takes the lock before it reads; the query is left as it is there.
 */
export function skipLocked(db: Knex, q: Knex.QueryBuilder): Knex.QueryBuilder {
  return isPostgres(db) ? q.forUpdate().skipLocked() : q;
}

/** Seconds from one ISO-8601 text time to another (columns or expressions), as a fractional number. */
export function secondsBetween(db: Knex, fromIso: string, toIso: string): string {
  return isPostgres(db)
    ? `extract(epoch from (cast(${toIso} as timestamptz) - cast(${fromIso} as timestamptz)))`
    : `((julianday(${toIso}) - julianday(${fromIso})) * 86400.0)`;
}

/** The smaller and the larger of two values: PostgreSQL's least/greatest, SQLite's two-argument min/max. */
export function smallerOf(db: Knex, a: string, b: string): string {
  return `${isPostgres(db) ? 'least' : 'min'}(${a}, ${b})`;
}

export function largerOf(db: Knex, a: string, b: string): string {
  return `${isPostgres(db) ? 'greatest' : 'max'}(${a}, ${b})`;
}
