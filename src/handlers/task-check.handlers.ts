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
import { variableCount } from '../sms/template';
import { viaForTask } from '../services/task-form.service';
import { nightNotice } from '../services/night-notice.service';
import { countSendRuleRefusals } from '../queries/send-rules.queries';
import { auditContext } from './audit-context';
import { recordAudit } from '../services/audit.service';
import { mappingRefusal } from '../services/carrier-mappings.service';

const INVALID_PAGE = 50;

export function taskCheckHandlers({ db, wakeDispatcher, logger }: AppDeps) {
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
      // A draft to send now starts when it is confirmed, so "now" is the best guess of its start.
      night: nightNotice(task.smsType, task.sendMode === 'now' || !task.sendAt ? new Date() : new Date(task.sendAt), res.locals.settings.timeZone),
      sendRuleRefusals: await countSendRuleRefusals(db, task.id),
    });
  }

  return {
    async showCheck(req: Request, res: Response) {
      const task = await load(req);
      // A confirmed draft's old link: its report is under its task id now.
      if (task.id !== req.params.id) return res.redirect(303, `/tasks/${task.id}/check`);
      await renderCheck(req, res, task);
    },

    async confirm(req: Request, res: Response) {
      const task = await load(req);
      // A large draft is confirmed in parts in the background (issue 15): its page says "confirming" until it ends.
      const move = {
        onScheduled: () => wakeDispatcher?.(),
        onError: (err: Error) => logger.error('confirm in parts stopped; the confirm-resume job takes it up', { task: task.id, error: err.message }),
      };
      const outcome = await confirmDraft(db, task.id, req.user!, res.locals.settings.timeZone, new Date(), auditContext(req, res), move);
      // The check page again, with the reason, as for any form the server refuses.
      if (!outcome.ok) return renderCheck(req, res, task, 422, outcome.refusal);
      if (!outcome.confirming) wakeDispatcher?.();
      res.redirect(303, `/tasks/${outcome.taskId}`);
    },

    /**
     * The invalid rows as CSV (UTF-8 with BOM for Excel), with spreadsheet formulas neutralised: the row number as
     * the spreadsheet shows it, the phone and the parameters as typed, the reason. Its header names the phone and
     * variable columns as the import template does, so the rows fixed here import again as they are (the row and
     * reason columns are recognised and ignored).
     */
    async invalidRowsCsv(req: Request, res: Response) {
      const task = await load(req);
      const t = res.locals.t;
      const variables = variableCount(task.templateContent);
      // Extra cells of a row that had too many are kept too, after the template's variables, untitled.
      const width = (params: string[]) => Math.max(variables, params.length);
      res.attachment(`${task.id}-invalid-rows.csv`).type('text/csv; charset=utf-8');
      const header = [t('tasks.check.row'), t('tasks.importTemplate.phone'), ...Array.from({ length: variables }, (_, i) => t('tasks.importTemplate.variable', { n: i + 1 })), t('tasks.check.reason')];
      res.write('\uFEFF' + header.map(csvCell).join(',') + '\r\n');
      let rows = 0;
      for await (const r of streamInvalidRows(db, task.id)) {
        const params = Array.from({ length: width(r.params) }, (_, i) => r.params[i] ?? '');
        // The reason goes in the last column of the header when the row is no wider; an over-wide row pushes it on.
        const cells = [String(r.rowNumber), r.value, ...params, t('tasks.reasons.' + r.reason, r.reasonParams)];
        res.write(cells.map(csvCell).join(',') + '\r\n');
        rows += 1;
      }
      res.end();
      await recordAudit(db, { ...auditContext(req, res), action: 'export.invalid_rows', object: { type: 'task', id: task.id }, summary: { after: { format: 'csv', rows } } });
    },
  };
}
