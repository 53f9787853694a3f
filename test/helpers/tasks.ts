import type { Db } from '../../src/db/knex';
import { checkRecipients } from '../../src/sms/recipient-check';
import { createDraft, confirmDraft } from '../../src/services/drafts.service';
import { findSignature, findTemplate } from '../../src/queries/catalogue.queries';
import { findUserById } from '../../src/queries/users.queries';
import { approvedSignature, approvedTemplate } from './catalogue';
import { packRecipients } from '../../src/drafts/recipient-chunks';

/**
 * `n` distinct valid mobile numbers ending in 7, so none hits the stub carrier's fixed outcomes (last four
 * digits 0000–0006) and all are delivered unless the failure mix says otherwise.
 */
export function phones(n: number, prefix = '1390'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(6, '0')}7`);
}

let seq = 1;

export interface Seeded {
  taskId: string;
  signatureId: number;
  templateId: number;
}

/**
 * A confirmed task with these recipients, through the same services as the web form. `sendAt` in the future
 * makes it scheduled; without it, it is due now.
 */
export async function seedTask(db: Db, numbers: readonly string[], opts: { userId?: number; sendAt?: Date; content?: string; signature?: string } = {}): Promise<Seeded> {
  const userId = opts.userId ?? 1;
  const user = (await findUserById(db, userId))!;
  const n = seq++;
  const signatureId = await approvedSignature(db, opts.signature ?? `签名${n}`, userId);
  const templateId = await approvedTemplate(db, opts.content ?? '您的快递已到，请及时取件。', 'notification', `seed ${n}`, userId);
  const signature = (await findSignature(db, signatureId))!;
  const template = (await findTemplate(db, templateId))!;
  const report = checkRecipients(numbers.map((p, i) => ({ rowNumber: i + 1, cells: [p] })), { signature: signature.name, templateContent: template.content });
  const scheduled = opts.sendAt !== undefined;
  const draftId = await createDraft(db, {
    user,
    signature,
    template,
    sendMode: scheduled ? 'scheduled' : 'now',
    sendAt: opts.sendAt ?? null,
    source: 'manual',
    fileName: null,
    report,
    recipients: packRecipients(report.valid),
    formState: {},
    timeZone: 'Asia/Shanghai',
  });
  const outcome = await confirmDraft(db, draftId, user, 'Asia/Shanghai', scheduled ? new Date(opts.sendAt!.getTime() - 120_000) : new Date());
  if (!outcome.ok) throw new Error(`seed confirm refused: ${outcome.refusal.key}`);
  return { taskId: outcome.taskId, signatureId, templateId };
}
