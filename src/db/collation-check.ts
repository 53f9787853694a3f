/**
 * The phone searches (task list, details page, inbound messages) find a prefix as the range [digits, digits + ':'),
 * which holds only under byte order. On PostgreSQL a column compared under an ICU or glibc locale sorts ':' before
 * the digits ('13800138000' < '138:' is false), and every prefix search would find nothing without an error. The
 * migrations pin COLLATE "C" on those columns (20261205000200); a database where a column still compares otherwise
 * is refused at start, with one line. SQLite compares text bytewise: nothing to check.
 */
import type { Knex } from 'knex';
import { isPostgres } from './dialect';

/** Columns searched by prefix ranges. */
export const PREFIX_SEARCHED_COLUMNS = [
  ['messages', 'phone'],
  ['inbound_messages', 'phone'],
] as const;

/** A sample of the range test: a number and the upper bound of its prefix. */
const SAMPLE = ['13800138000', '138:'] as const;

/** Null when every searched column sorts by bytes; else the one line to stop the start with. */
export async function collationProblem(db: Knex): Promise<string | null> {
  if (!isPostgres(db)) return null;
  for (const [table, column] of PREFIX_SEARCHED_COLUMNS) {
    const { rows } = (await db.raw(
      `select (cast(? as text) collate "default" < cast(? as text)) as database_ok, c.collation_name
         from information_schema.columns c
        where c.table_schema = current_schema() and c.table_name = ? and c.column_name = ?`,
      [...SAMPLE, table, column],
    )) as { rows: { database_ok: boolean; collation_name: string | null }[] };
    if (rows.length === 0) continue;
    const [{ database_ok: databaseOk, collation_name: collation }] = rows;
    const ok = collation === null ? databaseOk : await sortsByBytes(db, collation);
    if (!ok) {
      return `the database compares ${table}.${column} under collation ${collation ?? 'default'}, where '${SAMPLE[0]}' < '${SAMPLE[1]}' is false and phone prefix searches would find nothing; apply the migrations (they pin COLLATE "C") or create the database with LC_COLLATE 'C'`;
    }
  }
  return null;
}

async function sortsByBytes(db: Knex, collation: string): Promise<boolean> {
  const { rows } = (await db.raw(`select (cast(? as text) collate ${quoteIdent(collation)} < cast(? as text)) as ok`, SAMPLE)) as { rows: { ok: boolean }[] };
  return rows[0].ok;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
