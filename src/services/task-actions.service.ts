import type { Knex } from 'knex';
import { HttpError } from '../http-error';
import type { User } from '../queries/users.queries';
import { cancelScheduledTask, findTask, stopSendingTask, type Task } from '../queries/tasks.queries';
import { canManageTask } from './drafts.service';
import { recordAudit, SYSTEM_CONTEXT, type AuditContext } from './audit.service';

export type TaskAction = 'cancel' | 'stop';

/** Which of cancel / stop the user may do on the task now. */
export function availableActions(user: User, task: Pick<Task, 'createdBy' | 'status' | 'cancelledAt'>): TaskAction[] {
  if (!canManageTask(user, task)) return [];
  if (task.status === 'scheduled') return ['cancel'];
  if (task.status === 'sending' && !task.cancelledAt) return ['stop'];
  return [];
}

/**
 * Cancel (before it starts) or stop (while it sends). Returns a message key for the flash: done, or why not
 * (it started or finished in the meantime).
 */
export async function applyTaskAction(db: Knex, taskId: string, action: TaskAction, user: User, by: AuditContext = SYSTEM_CONTEXT): Promise<{ ok: boolean; key: string }> {
  const task = await findTask(db, taskId);
  if (!task || task.status === 'draft') throw new HttpError(404, 'errors.notFound');
  if (!canManageTask(user, task)) throw new HttpError(403, 'errors.forbidden');
  const nowIso = new Date().toISOString();
  const done = await db.transaction(async (trx) => {
    const applied = action === 'cancel' ? await cancelScheduledTask(trx, taskId, nowIso) : await stopSendingTask(trx, taskId, nowIso);
    if (applied) {
      await recordAudit(trx, {
        ...by,
        action: action === 'cancel' ? 'task.cancelled' : 'task.stopped',
        object: { type: 'task', id: taskId },
        summary: { before: { status: task.status }, after: { status: action === 'cancel' ? 'cancelled' : 'stopping' } },
      });
    }
    return applied;
  });
  if (done) return { ok: true, key: `tasks.actions.${action}Done` };
  return { ok: false, key: `tasks.actions.${action}TooLate` };
}
