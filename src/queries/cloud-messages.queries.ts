import type { Knex } from 'knex';

/** What a cloud provider needs of a message beyond its number: its parameters ({1} first) and its task. */
export interface MessageParamsRow {
  id: number;
  taskId: string;
  params: readonly string[];
}

/** The template and signature a task was confirmed with (frozen then: they never change for the task). */
export interface TaskTemplateRow {
  templateName: string;
  signatureText: string;
}

/** Ids to a statement at most (SQLite's bound-variable limit, with room to spare). */
const IDS_PER_QUERY = 1000;

/**
 * The messages' parameters and tasks, read from messages alone: the task's template comes once per task
 * (`taskTemplate`), not joined into every row, which halved this read for a batch of 800 of one task.
 */
export async function messageParams(db: Knex, ids: readonly number[]): Promise<MessageParamsRow[]> {
  if (ids.length === 0) return [];
  let rows: { id: number; task_id: string; params: string }[] = [];
  const low = Math.min(...ids);
  const high = Math.max(...ids);
  if (high - low < 2 * ids.length) {
    // A dispatcher's batch is a run of one task's ids with few gaps: one range read of the primary key costs a
    // third less than an IN list of 800 (binding and planning it), and the few rows between are dropped here.
    const wanted = new Set(ids);
    rows = (await db('messages').whereBetween('id', [low, high]).select('id', 'task_id', 'params')).filter((r: { id: number }) => wanted.has(r.id));
  } else {
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      rows.push(...(await db('messages').whereIn('id', ids.slice(i, i + IDS_PER_QUERY)).select('id', 'task_id', 'params')));
    }
  }
  return rows.map((r) => ({ id: r.id, taskId: r.task_id, params: parseParams(r.params) }));
}

/** Shared by every message without parameters (most tasks): read-only, so one array serves them all. */
const NO_PARAMS: readonly string[] = Object.freeze([]);

function parseParams(text: string): readonly string[] {
  if (text === '[]') return NO_PARAMS;
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : NO_PARAMS;
  } catch {
    return NO_PARAMS;
  }
}

export async function taskTemplate(db: Knex, taskId: string): Promise<TaskTemplateRow | undefined> {
  const row = await db('tasks').where({ id: taskId }).first('template_name', 'signature_text');
  return row ? { templateName: row.template_name as string, signatureText: row.signature_text as string } : undefined;
}
