import type { Knex } from 'knex';

/** `unknown`: written to an SMPP carrier but never answered (SUBMIT_UNKNOWN); it may or may not have been taken. */
export type MessageStatus = 'pending' | 'submitting' | 'submitted' | 'delivered' | 'failed' | 'rejected' | 'cancelled' | 'unknown';
export const MESSAGE_STATUSES: readonly MessageStatus[] = ['pending', 'submitting', 'submitted', 'delivered', 'failed', 'rejected', 'cancelled', 'unknown'];

export interface NewMessage {
  row_number: number;
  phone: string;
  params: string;
  content: string;
  chars: number;
  segments: number;
}

// 9 bound values per row: 100 rows stay far below SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK = 100;

const INSERT_ONE_SQL =
  'INSERT INTO messages (task_id, row_number, phone, params, content, chars, segments, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

/** The slice of better-sqlite3's connection API used below. */
interface SqliteConnection {
  prepare(sql: string): { run(...params: unknown[]): unknown };
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
  inTransaction: boolean;
}

/**
 * On better-sqlite3 (the app's database) the rows go through one prepared statement on the transaction's own
 * connection: knex would compile and prepare a new 900-parameter statement for every 100 rows, which made a
 * 100,000-row draft take over a second of main-thread time instead of about a third of that. Same rows, same
 * order, same values; other clients keep the portable chunked insert.
 */
async function insertWithPreparedStatement(db: Knex, taskId: string, rows: readonly NewMessage[]): Promise<void> {
  const client = db.client as { acquireConnection(): Promise<unknown>; releaseConnection(conn: unknown): Promise<unknown> };
  // Inside a transaction this is the transaction's connection (and releasing it is a no-op).
  const conn = (await client.acquireConnection()) as SqliteConnection;
  try {
    const statement = conn.prepare(INSERT_ONE_SQL);
    const insertAll = () => {
      for (const r of rows) statement.run(taskId, r.row_number, r.phone, r.params, r.content, r.chars, r.segments, 'pending');
    };
    // Outside a transaction, still all or nothing (and one commit, not one per row).
    if (conn.inTransaction) insertAll();
    else conn.transaction(insertAll)();
  } finally {
    await client.releaseConnection(conn);
  }
}

export async function insertMessages(db: Knex, taskId: string, rows: readonly NewMessage[]): Promise<void> {
  if (rows.length === 0) return;
  if ((db.client as { driverName?: string }).driverName === 'better-sqlite3') return insertWithPreparedStatement(db, taskId, rows);
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK).map((r) => ({ ...r, task_id: taskId, status: 'pending' }));
    await db('messages').insert(chunk);
  }
}

export interface MessageRow {
  id: number;
  rowNumber: number;
  phone: string;
  params: string[];
  content: string;
  chars: number;
  segments: number;
  status: string;
}

export async function firstMessages(db: Knex, taskId: string, limit: number): Promise<MessageRow[]> {
  const rows = await db('messages').where({ task_id: taskId }).orderBy('id').limit(limit);
  return rows.map((r: Record<string, unknown>) => ({
    id: r.id as number,
    rowNumber: r.row_number as number,
    phone: r.phone as string,
    params: JSON.parse(r.params as string) as string[],
    content: r.content as string,
    chars: r.chars as number,
    segments: r.segments as number,
    status: r.status as string,
  }));
}

export async function phonesOfTask(db: Knex, taskId: string, limit: number): Promise<string[]> {
  return (await db('messages').where({ task_id: taskId }).orderBy('id').limit(limit).pluck('phone')) as string[];
}

