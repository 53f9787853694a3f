import type { Knex } from 'knex';

/** What a cloud provider needs of a message beyond its number: its parameters and its task's template and signature. */
export interface MessageTemplateRow {
  id: number;
  params: string[];
  templateName: string;
  signatureText: string;
}

export async function messageTemplates(db: Knex, ids: readonly number[]): Promise<MessageTemplateRow[]> {
  if (ids.length === 0) return [];
  const rows: Record<string, unknown>[] = [];
  // SQLite's limit on bound variables: look them up in slices.
  for (let i = 0; i < ids.length; i += 500) {
    rows.push(...(await db('messages as m').join('tasks as t', 't.id', 'm.task_id').whereIn('m.id', ids.slice(i, i + 500)).select('m.id', 'm.params', 't.template_name', 't.signature_text')));
  }
  return rows.map((r) => {
    let params: string[] = [];
    try {
      const parsed = JSON.parse(r.params as string) as unknown;
      if (Array.isArray(parsed)) params = parsed.map(String);
    } catch {
      params = [];
    }
    return { id: r.id as number, params, templateName: r.template_name as string, signatureText: r.signature_text as string };
  });
}
