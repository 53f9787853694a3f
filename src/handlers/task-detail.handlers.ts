import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { findTask } from '../queries/tasks.queries';
import { countMessagesByStatus } from '../queries/messages.queries';
import { applyTaskAction, availableActions, type TaskAction } from '../services/task-actions.service';
import { flash } from '../middleware/flash';

export function taskDetailHandlers({ db }: AppDeps) {
  return {
    async show(req: Request, res: Response) {
      const task = typeof req.params.id === 'string' ? await findTask(db, req.params.id) : undefined;
      if (!task) throw new HttpError(404, 'errors.notFound');
      // A draft's page is its check report.
      if (task.status === 'draft') return res.redirect(303, `/tasks/${task.id}/check`);
      const counts = await countMessagesByStatus(db, task.id);
      const handed = counts.submitted + counts.delivered + counts.failed + counts.rejected;
      const lateMs = task.startedAt && task.sendAt ? Date.parse(task.startedAt) - Date.parse(task.sendAt) : 0;
      res.render('pages/tasks/show', {
        title: task.id,
        task,
        counts,
        handed,
        lateSeconds: lateMs > 10_000 ? Math.round(lateMs / 1000) : 0,
        actions: availableActions(req.user!, task),
      });
    },

    action: (action: TaskAction) => async (req: Request, res: Response) => {
      const result = await applyTaskAction(db, String(req.params.id), action, req.user!);
      flash(req, result.key, { id: String(req.params.id) }, result.ok ? 'success' : 'error');
      res.redirect(303, typeof req.body?.back === 'string' && req.body.back === 'list' ? '/tasks' : `/tasks/${req.params.id}`);
    },
  };
}
