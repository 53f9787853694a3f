import type { Knex } from 'knex';

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

export async function insertMessages(db: Knex, taskId: string, rows: readonly NewMessage[]): Promise<void> {
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
