import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { findTask } from '../queries/tasks.queries';
import { MESSAGE_STATUSES } from '../queries/messages.queries';
import { listResends } from '../queries/resend.queries';
import { describeCode, RECEIPT_CODES } from '../carrier/receipt-codes';
import { applyTaskAction, availableActions, type TaskAction } from '../services/task-actions.service';
import { canManageTask } from '../services/drafts.service';
import { canResend, canSendRest } from '../services/resend.service';
import { messagePage, taskSummary, type MessagePage } from '../services/task-detail.service';
import type { Settings } from '../services/settings.service';
import { filterQueryString, hasFilterErrors, parseMessageQuery } from '../validators/message-filters.validators';
import { flash } from '../middleware/flash';
import { formatDateTime } from '../time/zoned-time';
import { progressOf } from '../services/task-progress.service';
import { billed, shownStatus } from '../tasks/task-status';
import { TASK_ID_PATTERN } from '../validators/task-list.validators';
import { auditContext } from './audit-context';

const NO_PAGE: MessagePage = { rows: [], count: { count: 0, bound: 'exact' }, next: null, prev: null };

export function taskDetailHandlers({ db }: AppDeps) {
  return {
    /**
     * The task details: summary, the messages of the current filter (keyset pages), exports, resend. A filter
     * that cannot be read answers 422 with the message beside its field and lists nothing.
     */
    async show(req: Request, res: Response) {
      const task = typeof req.params.id === 'string' ? await findTask(db, req.params.id) : undefined;
      const user = req.user!;
      // Someone else's draft is private to its author (and admins): not found, rather than a pointer to it.
      if (!task || (task.status === 'draft' && !canManageTask(user, task))) throw new HttpError(404, 'errors.notFound');
      // A draft's page is its check report.
      if (task.status === 'draft') return res.redirect(303, `/tasks/${task.id}/check`);
      // Reached by the handle it had as a draft: its page is under its task id.
      if (task.id !== req.params.id) return res.redirect(303, `/tasks/${task.id}`);
      // Issue 15: a large confirm still moving its recipients in parts; the page reloads until the task is scheduled.
      if (task.status === 'confirming') {
        res.set('Refresh', '2').set('Cache-Control', 'no-store');
        return res.render('pages/tasks/confirming', { title: task.id, task });
      }
      const settings = res.locals.settings as Settings;
      const summary = await taskSummary(db, task, settings.timeZone);
      const query = parseMessageQuery(req.query);
      const invalid = hasFilterErrors(query);
      const page = invalid || summary.detailsRemoved ? NO_PAGE : await messagePage(db, task, { taskId: task.id, ...query.filter }, query.cursor, summary.counts);
      const lateMs = task.startedAt && task.sendAt ? Date.parse(task.startedAt) - Date.parse(task.sendAt) : 0;
      const origin = `${req.protocol}://${req.get('host')}`;
      // Drafts made by resending are private to their author (and admins), like every draft.
      const resends = (await listResends(db, task.id)).filter((r) => r.status !== 'draft' || r.createdBy === user.id || user.role === 'admin');
      const isAdmin = user.role === 'admin';
      res.status(invalid ? 422 : 200).render('pages/tasks/show', {
        title: task.id,
        task,
        shownStatus: shownStatus(task),
        billed: billed(task),
        counts: summary.counts,
        handed: summary.handed,
        summary,
        lateSeconds: lateMs > 10_000 ? Math.round(lateMs / 1000) : 0,
        actions: availableActions(user, task),
        messages: page,
        values: query.values,
        errors: query.errors,
        filterQuery: filterQueryString(query.values),
        pageLink: (extra: Record<string, string | number>) => `/tasks/${task.id}?${filterQueryString(query.values, extra)}#messages`,
        statuses: MESSAGE_STATUSES,
        receiptCodes: RECEIPT_CODES,
        remark: (code: string | null) => describeCode(code, res.locals.locale),
        timeWithSeconds: (iso: string) => formatDateTime(iso, settings.timeZone, res.locals.locale, true),
        exportChoice: { maskOption: isAdmin, maskedForMember: !isAdmin && settings.maskNumbersForMembers },
        resend: { offered: canResend(user, task, true), rest: canSendRest(user, task), allowed: canManageTask(user, task), tasks: resends },
        api: {
          task: `${origin}/api/v1/tasks/${encodeURIComponent(task.id)}`,
          receipts: `${origin}/api/v1/receipts?task_id=${encodeURIComponent(task.id)}`,
        },
      });
    },

    /**
     * GET /tasks/:id/progress: the details page's poll (public/js/task-progress.js), the list's progress of this
     * one task plus what only the details show: the delivery rate and the send time per day. An unknown id or a
     * draft answers no task, as GET /tasks/progress does.
     */
    async progress(req: Request, res: Response) {
      const settings = res.locals.settings as Settings;
      const id = String(req.params.id);
      const task = TASK_ID_PATTERN.test(id) ? await findTask(db, id) : undefined;
      res.set('Cache-Control', 'no-store');
      if (!task || task.status === 'draft') return res.json({ tasks: [] });
      const summary = await taskSummary(db, task, settings.timeZone);
      const time = (iso: string) => formatDateTime(iso, settings.timeZone, res.locals.locale, true).slice(11);
      res.json({
        tasks: [
          {
            ...progressOf(task, summary.counts.submitting),
            status_label: res.locals.t('tasks.status.' + shownStatus(task)),
            days: summary.detailsRemoved ? null : summary.days.map((d) => ({ date: d.date, first: time(d.first), last: time(d.last), count: d.count })),
          },
        ],
      });
    },

    action: (action: TaskAction) => async (req: Request, res: Response) => {
      const result = await applyTaskAction(db, String(req.params.id), action, req.user!, auditContext(req, res));
      flash(req, result.key, { id: String(req.params.id) }, result.ok ? 'success' : 'error');
      res.redirect(303, typeof req.body?.back === 'string' && req.body.back === 'list' ? '/tasks' : `/tasks/${req.params.id}`);
    },
  };
}
