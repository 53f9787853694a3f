import type { Db } from '../../src/db/knex';
import type { TaskStatus } from '../../src/queries/tasks.queries';
import type { NewMessage } from '../../src/queries/messages.queries';
import { draftRecipientChunks } from '../../src/queries/draft-recipients.queries';

/**
 * Task rows straight in the database, in any state and with any counters, for tests of what lists and
 * shows tasks (seedTask in ./tasks goes through the real services, and only makes scheduled tasks).
 */
export interface TaskRowInput {
  status?: TaskStatus;
  smsType?: string;
  signatureId?: number | null;
  templateId?: number | null;
  signatureText?: string;
  templateName?: string;
  templateContent?: string;
  createdBy?: number;
  sendMode?: 'now' | 'scheduled';
  sendAt?: string | null;
  recipients?: number;
  submitted?: number;
  delivered?: number;
  failed?: number;
  rejected?: number;
  cancelled?: number;
  /** Messages to store for this task (pending unless given), e.g. for the phone search. */
  phones?: readonly string[];
}

let sequence = 0;

/** Ids in creation order, after every id seedTask makes today (`T27…` sorts after `T26…`). */
export function nextRowId(): string {
  sequence += 1;
  return `T27${String(sequence).padStart(9, '0')}`;
}

export async function insertTaskRow(db: Db, input: TaskRowInput = {}): Promise<string> {
  const id = nextRowId();
  const now = new Date().toISOString();
  const phones = input.phones ?? [];
  await db('tasks').insert({
    id,
    status: input.status ?? 'completed',
    sms_type: input.smsType ?? 'notification',
    signature_id: input.signatureId ?? null,
    template_id: input.templateId ?? null,
    signature_text: input.signatureText ?? '测试',
    template_name: input.templateName ?? `template of ${id}`,
    template_content: input.templateContent ?? '您的快递已到，请及时取件。',
    source: 'manual',
    send_mode: input.sendMode ?? 'now',
    send_at: input.sendAt === undefined ? now : input.sendAt,
    recipient_count: input.recipients ?? Math.max(phones.length, 1),
    created_by: input.createdBy ?? 1,
    created_at: now,
    updated_at: now,
    submitted_count: input.submitted ?? 0,
    delivered_count: input.delivered ?? 0,
    failed_count: input.failed ?? 0,
    rejected_count: input.rejected ?? 0,
    cancelled_count: input.cancelled ?? 0,
  });
  if (phones.length > 0) {
    await db('messages').insert(
      phones.map((phone, i) => ({ task_id: id, row_number: i + 1, phone, params: '[]', content: 'x', chars: 1, segments: 1, status: 'pending' })),
    );
  }
  return id;
}

/** The task ids of the list rows on a page, top to bottom. */
export function listedIds(html: string): string[] {
  return [...html.matchAll(/<tr data-task-id="([^"]+)"/g)].map((m) => m[1]);
}

/** The filtered total the list page shows. */
export function listedTotal(html: string): number {
  const m = /data-total="(\d+)"/.exec(html);
  if (!m) throw new Error('no total on the page');
  return Number(m[1]);
}

/** The pager's link (first / prev / next), HTML entities decoded, or undefined. */
export function pagerLink(html: string, which: 'first' | 'prev' | 'next'): string | undefined {
  const m = new RegExp(`<a href="([^"]+)"[^>]*data-pager="${which}"`).exec(html);
  return m ? m[1].replace(/&amp;/g, '&') : undefined;
}

/** A draft's recipients in file order, as they will become messages when it is confirmed. */
export async function draftRecipients(db: Db, taskId: string): Promise<(NewMessage & { status: 'pending' })[]> {
  const all: (NewMessage & { status: 'pending' })[] = [];
  for await (const chunk of draftRecipientChunks(db, taskId)) for (const r of chunk) all.push({ ...r, status: 'pending' });
  return all;
}
