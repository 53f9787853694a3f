import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { countTaskList, hasTaskOlderThan, listOwnDrafts, listTaskPage, taskListFilterOptions } from '../queries/task-list.queries';
import { availableActions } from '../services/task-actions.service';
import { canResend } from '../services/resend.service';
import { loadProgress, progressOf } from '../services/task-progress.service';
import { FILTER_FIELDS, LIST_STATUSES, PAGE_SIZES, parseTaskListQuery, TASK_ID_PATTERN, type FilterField, type TaskListQuery } from '../validators/task-list.validators';
import { SMS_TYPES } from '../sms/template';
import { numberFormatter } from '../i18n/number-format';

/** The list shows at most this many of the user's unconfirmed drafts (they expire after a day). */
const DRAFTS_SHOWN = 20;

/** The progress endpoint answers at most this many tasks at once (a page shows at most 100). */
export const MAX_PROGRESS_IDS = 100;

/** Labels of the filters in the "ignored" note. */
const FIELD_LABELS: Record<FilterField, string> = {
  q: 'taskList.search',
  status: 'tasks.statusLabel',
  smsType: 'tasks.smsType',
  signature: 'tasks.signature',
  template: 'tasks.template',
  createdBy: 'common.createdBy',
  from: 'taskList.from',
  to: 'taskList.to',
  mine: 'taskList.mine',
  per: 'taskList.perPage',
  after: 'taskList.position',
  before: 'taskList.position',
};

function listUrl(params: TaskListQuery['params'], cursor: { after?: string; before?: string } = {}): string {
  const search = new URLSearchParams();
  for (const field of FILTER_FIELDS) {
    const value = params[field];
    if (value) search.set(field, value);
  }
  if (cursor.after) search.set('after', cursor.after);
  if (cursor.before) search.set('before', cursor.before);
  const text = search.toString();
  return text ? `/tasks?${text}` : '/tasks';
}

function jsonError(res: Response, status: number, code: string, message: string) {
  res.status(status).json({ error: { code, message } });
}

export function taskListHandlers({ db }: AppDeps) {
  /** The page of rows the cursor points at, newest first, and whether pages exist on either side. */
  async function loadPage(query: TaskListQuery) {
    const { filter, cursor, per } = query;
    if (cursor.before) {
      const newer = await listTaskPage(db, filter, cursor, per + 1);
      if (newer.length > per) {
        const rows = newer.slice(1);
        return { rows, hasPrev: true, hasNext: await hasTaskOlderThan(db, filter, rows[rows.length - 1].id) };
      }
      // Less than a page newer than the cursor: that is the first page, shown whole.
    }
    const after = cursor.after;
    const rows = await listTaskPage(db, filter, { after }, per + 1);
    return { rows: rows.slice(0, per), hasPrev: after !== undefined, hasNext: rows.length > per };
  }

  return {
    async list(req: Request, res: Response) {
      const t = res.locals.t;
      const user = req.user!;
      const options = await taskListFilterOptions(db);
      const query = parseTaskListQuery(req.query as Record<string, unknown>, {
        timeZone: res.locals.settings.timeZone,
        userId: user.id,
        signatureIds: new Set(options.signatures.map((o) => o.id)),
        templateIds: new Set(options.templates.map((o) => o.id)),
        userIds: new Set(options.users.map((o) => o.id)),
      });
      const [page, total, drafts] = await Promise.all([loadPage(query), countTaskList(db, query.filter), listOwnDrafts(db, user.id, new Date().toISOString(), DRAFTS_SHOWN)]);
      const { rows, hasPrev, hasNext } = page;
      const ignored = query.ignored.map((i) => (i.value ? `${t(FIELD_LABELS[i.field])} “${i.value}”` : t(FIELD_LABELS[i.field])));
      res.render('pages/tasks/index', {
        title: t('tasks.title'),
        rows: rows.map((task) => ({
          task,
          progress: progressOf(task),
          actions: availableActions(user, task),
          // "Resend to failed" (POST /tasks/:id/resend, from the task details) on the same terms as its page.
          resend: canResend(user, task),
        })),
        total,
        filtered: Object.keys(query.params).some((k) => k !== 'per'),
        params: query.params,
        // What was typed stays in the box even when it was not understood, so it can be corrected.
        searchText: typeof req.query.q === 'string' ? req.query.q : '',
        per: query.per,
        ignoredNote: [...new Set(ignored)].join(', '),
        options: { ...options, statuses: LIST_STATUSES, smsTypes: SMS_TYPES, pageSizes: PAGE_SIZES },
        pager: {
          first: hasPrev ? listUrl(query.params) : null,
          prev: hasPrev && rows.length > 0 ? listUrl(query.params, { before: rows[0].id }) : null,
          next: hasNext ? listUrl(query.params, { after: rows[rows.length - 1].id }) : null,
        },
        clearUrl: listUrl(query.params.per ? { per: query.params.per } : {}),
        num: numberFormatter(res.locals.locale),
        drafts,
        scripts: ['/public/js/task-progress.js'],
      });
    },

    /**
     * GET /tasks/progress?ids=T…,T…: status and counters of up to 100 tasks, polled by public/js/task-progress.js
     * on the list and the details page. Unknown ids and drafts are left out of the answer.
     */
    async progress(req: Request, res: Response) {
      const t = res.locals.t;
      const raw = req.query.ids ?? '';
      if (typeof raw !== 'string') return jsonError(res, 400, 'bad_ids', t('taskList.progress.badIds'));
      const ids = [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
      if (ids.length > MAX_PROGRESS_IDS) return jsonError(res, 400, 'too_many_ids', t('taskList.progress.tooMany', { max: MAX_PROGRESS_IDS }));
      if (!ids.every((id) => TASK_ID_PATTERN.test(id))) return jsonError(res, 400, 'bad_ids', t('taskList.progress.badIds'));
      const tasks = await loadProgress(db, ids);
      res.json({ tasks: tasks.map((p) => ({ ...p, status_label: t('tasks.status.' + p.badge) })) });
    },
  };
}
