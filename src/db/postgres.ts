/**
 * The app's database when DATABASE_URL names PostgreSQL (issue 13): one pool shared by reads, writes and
 * transactions. None of SQLite's workarounds apply here (one writer, the busy retry, the statement cache, the WAL
 * checkpointer): PostgreSQL runs concurrent writers itself, and several processes share the one database.
 */
import knexFactory, { Knex } from 'knex';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pg = require('pg') as {
  types: { setTypeParser(oid: number, parse: (text: string) => unknown): void };
  Client: new (options: { connectionString: string; connectionTimeoutMillis: number }) => { connect(): Promise<void>; end(): Promise<void> };
};

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * node-postgres hands 64-bit integers and numerics back as strings, since not every one fits a JS number. The
 * app's ids and counts do (2^53 is 9 × 10^15 messages), and the code compares them as numbers, as SQLite gives
 * them: a count(*) of '3' would not equal 3.
 */
pg.types.setTypeParser(INT8_OID, (text) => Number(text));
pg.types.setTypeParser(NUMERIC_OID, (text) => Number(text));

export const DEFAULT_POOL_MAX = 10;

export function isPostgresUrl(target: string): boolean {
  return /^postgres(?:ql)?:\/\//.test(target);
}

export function createPostgresDb(url: string, options: { poolMax?: number } = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: url,
    // As on SQLite (knex.ts): logged errors name the SQL with `?` for its values, never phone numbers or session ids.
    compileSqlOnError: false,
    pool: { min: 0, max: options.poolMax ?? DEFAULT_POOL_MAX },
  });
}

/**
 * Null when the server at `url` accepts a connection within `timeoutMs`; else why not, in one line. At start, so
 * that a wrong host or password stops it at once with that line, where knex's pool would retry for a minute and
 * then fail with a stack trace. node-postgres's messages name the host and the user, never the password.
 */
export async function unreachableBecause(url: string, timeoutMs = 10_000): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    return null;
  } catch (err) {
    return (err as Error).message.split('\n')[0] || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}
