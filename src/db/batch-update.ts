/**
 * The dispatcher's batch writes, one seam for both engines (issue 13). A query module describes a batch once, as
 * rows of values and what each row sets; the engine's fastest way runs it:
 *
 * - SQLite (one writer, in-process): one short prepared statement run once per row on the transaction's connection
 *   (sqlite-statements.ts). A statement costs microseconds there and nothing crosses a network.
 * - PostgreSQL: the whole batch is ONE statement over `unnest` of one array per column. Row by row, each statement
 *   is a round trip: a 200-row batch took 127 ms that way against 9 ms set-based.
 */
import type { Knex } from 'knex';
import { isSqlite } from './dialect';
import type Database from 'better-sqlite3';
import { getEachRow, runEachRow, runEachRowOn } from './sqlite-statements';

export interface BatchColumn {
  name: string;
  /** Its PostgreSQL array element type, for `unnest(?::<type>[])`. */
  pgType: 'bigint' | 'integer' | 'text';
}

export interface RowsUpdate {
  /** The table; it is `t` in `set` and `where`. */
  table: string;
  /** The table's column the first value of each row picks the row by (`id` unless said). */
  key?: string;
  /** The value columns of each row, in order; the first is the key's value. */
  columns: readonly BatchColumn[];
  /** Column = SQL expression; `v.<name>` is this row's value of that column, `t.<column>` the row's current one. */
  set: Readonly<Record<string, string>>;
  /** A further condition on the table's row (`t.`), e.g. its state. No `?`: values go in the rows. */
  where?: string;
  rows: readonly (readonly unknown[])[];
}

export interface RowsInsert {
  table: string;
  columns: readonly BatchColumn[];
  rows: readonly (readonly unknown[])[];
  /** A conflict on this unique key skips the row, as `on conflict (…) do nothing`. */
  skipConflictOn: readonly string[];
}

const VALUE = /\bv\.(\w+)\b/g;

function columnIndex(columns: readonly BatchColumn[], name: string): number {
  const i = columns.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`column ${name} is not one of the batch's columns`);
  return i;
}

/** SQLite: `update … set … where t.id = ?`, one run per row; `v.<name>` becomes a `?` bound from the row. */
function sqliteUpdate(spec: RowsUpdate): { sql: string; order: number[] } {
  const order: number[] = [];
  const sets = Object.entries(spec.set).map(([column, expr]) => `${column} = ${expr.replace(VALUE, (_, name: string) => (order.push(columnIndex(spec.columns, name)), '?'))}`);
  order.push(0);
  const sql = `update ${spec.table} as t set ${sets.join(', ')} where t.${spec.key ?? 'id'} = ?${spec.where ? ` and (${spec.where})` : ''}`;
  return { sql, order };
}

/** PostgreSQL: `update … set … from unnest(…) as v(…) where t.<key> = v.<first>`, the whole batch in one statement. */
function pgUpdate(spec: RowsUpdate, columns: readonly BatchColumn[]): string {
  const sets = Object.entries(spec.set).map(([column, expr]) => `${column} = ${expr}`);
  return `update ${spec.table} as t set ${sets.join(', ')} from ${unnestOf(columns)} where t.${spec.key ?? 'id'} = v.${columns[0].name}${spec.where ? ` and (${spec.where})` : ''}`;
}

function unnestOf(columns: readonly BatchColumn[]): string {
  return `unnest(${columns.map((c) => `?::${c.pgType}[]`).join(', ')}) as v(${columns.map((c) => c.name).join(', ')})`;
}

function arraysOf(spec: { columns: readonly BatchColumn[]; rows: readonly (readonly unknown[])[] }): unknown[][] {
  return spec.columns.map((_, i) => spec.rows.map((r) => r[i]));
}

/** Applies a batch of per-row updates in the caller's transaction; returns the rows changed. */
export async function updateRows(trx: Knex.Transaction, spec: RowsUpdate): Promise<number> {
  if (spec.rows.length === 0) return 0;
  if (isSqlite(trx)) {
    const { sql, order } = sqliteUpdate(spec);
    return runEachRow(trx, sql, spec.rows.map((r) => order.map((i) => r[i])));
  }
  const result = (await trx.raw(pgUpdate(spec, spec.columns), arraysOf(spec) as Knex.RawBinding[])) as { rowCount: number | null };
  return Number(result.rowCount ?? 0);
}

/**
 * As updateRows, answering per row what it changed: the `returning` columns of the row it updated, or undefined.
 * The rows apply in order, so of several rows with one key only the first can change it (the later ones find it
 * changed); on PostgreSQL, where one statement applies them all, the later ones are left out and answer undefined.
 */
export async function updateRowsReturning(trx: Knex.Transaction, spec: RowsUpdate, returning: readonly string[]): Promise<(Record<string, unknown> | undefined)[]> {
  if (spec.rows.length === 0) return [];
  if (isSqlite(trx)) {
    const { sql, order } = sqliteUpdate(spec);
    return getEachRow(trx, `${sql} returning ${returning.join(', ')}`, spec.rows.map((r) => order.map((i) => r[i])));
  }
  const firstOfKey = new Map<unknown, number>();
  spec.rows.forEach((r, i) => firstOfKey.has(r[0]) || firstOfKey.set(r[0], i));
  const firsts = [...firstOfKey.values()];
  const columns = [...spec.columns, { name: 'ord', pgType: 'integer' as const }];
  const sql = `${pgUpdate(spec, columns)} returning v.ord, ${returning.map((c) => `t."${c}"`).join(', ')}`;
  const bindings = arraysOf({ columns, rows: firsts.map((i) => [...spec.rows[i], i]) });
  const { rows } = (await trx.raw(sql, bindings as Knex.RawBinding[])) as { rows: (Record<string, unknown> & { ord: number })[] };
  const answers: (Record<string, unknown> | undefined)[] = spec.rows.map(() => undefined);
  for (const { ord, ...row } of rows) answers[ord] = row;
  return answers;
}

/** SQLite: `insert … values (?, …) on conflict (…) do nothing`, one run per row. */
function sqliteInsert(spec: RowsInsert): string {
  return `insert into ${spec.table} (${spec.columns.map((c) => c.name).join(', ')}) values (${spec.columns.map(() => '?').join(', ')}) on conflict (${spec.skipConflictOn.join(', ')}) do nothing`;
}

/** updateRows on a SQLite connection held outside knex, in its transaction (dispatch-writes.worker.ts). */
export function updateRowsOn(conn: Database.Database, spec: RowsUpdate): number {
  if (spec.rows.length === 0) return 0;
  const { sql, order } = sqliteUpdate(spec);
  return runEachRowOn(conn, sql, spec.rows.map((r) => order.map((i) => r[i])));
}

/** insertRows on a SQLite connection held outside knex, in its transaction. */
export function insertRowsOn(conn: Database.Database, spec: RowsInsert): number {
  return spec.rows.length === 0 ? 0 : runEachRowOn(conn, sqliteInsert(spec), spec.rows);
}

/** Inserts a batch of rows in the caller's transaction, skipping those that conflict on the key; returns the rows inserted. */
export async function insertRows(trx: Knex.Transaction, spec: RowsInsert): Promise<number> {
  if (spec.rows.length === 0) return 0;
  if (isSqlite(trx)) return runEachRow(trx, sqliteInsert(spec), spec.rows);
  const names = spec.columns.map((c) => c.name).join(', ');
  const conflict = `on conflict (${spec.skipConflictOn.join(', ')}) do nothing`;
  const result = (await trx.raw(`insert into ${spec.table} (${names}) select ${names} from ${unnestOf(spec.columns)} ${conflict}`, arraysOf(spec) as Knex.RawBinding[])) as {
    rowCount: number | null;
  };
  return Number(result.rowCount ?? 0);
}
