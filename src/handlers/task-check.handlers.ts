import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { findTask, type Task } from '../queries/tasks.queries';
import { firstMessages } from '../queries/messages.queries';
import { firstDraftRecipient } from '../queries/draft-recipients.queries';
import { listInvalidRows, streamInvalidRows } from '../queries/invalid-rows.queries';
import { buildPreview } from '../sms/preview';
import { canManageTask, confirmDraft } from '../services/drafts.service';
import { csvCell } from '../services/csv.service';
import { viaForTask } from '../services/task-form.service';
import { mappingRefusal } from '../services/carrier-mappings.service';

const INVALID_PAGE = 50;

export function taskCheckHandlers({ db, wakeDispatcher }: AppDeps) {
  async function load(req: Request): Promise<Task> {
    const task = typeof req.params.id === 'string' ? await findTask(db, req.params.id) : undefined;
    // Someone else's unconfirmed draft is private to its author (and admins).
    if (!task || (task.status === 'draft' && !canManageTask(req.user!, task))) throw new HttpError(404, 'errors.notFound');
    return task;
  }

  async function renderCheck(req: Request, res: Response, task: Task, status = 200, formError?: { key: string; params?: Record<string, string | number> }) {
    const after = typeof req.query.after === 'string' && /^\d{1,9}$/.test(req.query.after) ? Number(req.query.after) : undefined;
    const invalidRows = await listInvalidRows(db, task.id, { afterRow: after, limit: INVALID_PAGE + 1 });
    const hasMore = invalidRows.length > INVALID_PAGE;
    const shown = invalidRows.slice(0, INVALID_PAGE);
    // A draft's recipients are not messages yet (they become messages when it is confirmed).
    const first = task.status === 'draft' ? await firstDraftRecipient(db, task.id) : (await firstMessages(db, task.id, 1))[0];
    // Said before the confirm is tried: a draft routed to a cloud account that lacks its template (issue 11).
    const unmapped = task.status === 'draft' && !formError ? await mappingRefusal(db, task) : null;
    res.status(status).render('pages/tasks/check', {
      title: res.locals.t('tasks.check.title'),
      task,
      invalidRows: shown,
      pager: { prev: after !== undefined ? '' : null, next: hasMore ? shown[shown.length - 1].rowNumber : null },
      preview: { ...buildPreview(task.signatureText, task.templateContent, first?.params), via: await viaForTask(db, task) },
      errors: formError ? { form: formError } : unmapped ? { form: unmapped } : {},
    });
  }

  return {
    async showCheck(req: Request, res: Response) {
      await renderCheck(req, res, await load(req));
    },

    async confirm(req: Request, res: Response) {
      const task = await load(req);
      const refusal = await confirmDraft(db, task.id, req.user!);
      // The check page again, with the reason, as for any form the server refuses.
      if (refusal) return renderCheck(req, res, task, 422, refusal);
      wakeDispatcher?.();
      res.redirect(303, `/tasks/${task.id}`);
    },

    /** The invalid rows as CSV (UTF-8 with BOM for Excel), with spreadsheet formulas neutralised. */
    async invalidRowsCsv(req: Request, res: Response) {
      const task = await load(req);
      const t = res.locals.t;
      res.attachment(`${task.id}-invalid-rows.csv`).type('text/csv; charset=utf-8');
      res.write('\uFEFF' + [t('tasks.check.row'), t('tasks.check.value'), t('tasks.check.reason')].map(csvCell).join(',') + '\r\n');
      for await (const r of streamInvalidRows(db, task.id)) {
        res.write([String(r.rowNumber), r.value, t('tasks.reasons.' + r.reason, r.reasonParams)].map(csvCell).join(',') + '\r\n');
      }
      res.end();
    },
  };
}
