import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { ApiError } from '../http-error';
import type { ApiLocals } from '../middleware/api-auth';
import { findTask } from '../queries/tasks.queries';
import { answerOnce, rememberAnswer, storedAnswer, type ApiAnswer, type IdempotencyScope } from '../services/api-idempotency.service';
import { apiVisibleTask, ConfirmRefused, createConfirmedTask, refusalField, resolveApiCatalogue } from '../services/api-tasks.service';
import type { Settings } from '../services/settings.service';
import { loadTaskCounts } from '../services/task-progress.service';
import { checkRecipients } from '../sms/recipient-check';
import { IDEMPOTENCY_KEY_MAX, parseApiTaskBody, parseIdempotencyKey } from '../validators/api.validators';
import { reportJson, taskJson, validationFailed } from './api-json';

function send(res: Response, answer: ApiAnswer, replayed: boolean) {
  const task = (answer.body as { task?: { id?: unknown } }).task;
  if (answer.status === 201 && typeof task?.id === 'string') res.location(`/api/v1/tasks/${task.id}`);
  if (replayed) res.set('Idempotent-Replayed', 'true');
  res.status(answer.status).json(answer.body);
}

export function apiTasksHandlers({ db }: AppDeps) {
  return {
    async show(req: Request, res: Response) {
      const task = await apiVisibleTask(db, req.params.id);
      res.json({ task: taskJson(task, (await loadTaskCounts(db, task)).byStatus) });
    },

    /**
     * The send form's workflow in one call: the same catalogue rules and recipient check, then a draft confirmed at
     * once in the key creator's name. Answers (201 and 422) are kept per Idempotency-Key and replayed to retries.
     */
    async create(req: Request, res: Response) {
      const { apiKey, apiUser } = res.locals as ApiLocals;
      const t = res.locals.t;
      const settings: Settings = res.locals.settings;
      const idem = parseIdempotencyKey(req.get('idempotency-key'));
      if (!idem.ok) throw new ApiError(400, 'invalid_idempotency_key', 'api.errors.idempotencyKey', { max: IDEMPOTENCY_KEY_MAX });
      const scope: IdempotencyScope = { apiKeyId: apiKey.id, idemKey: idem.value };
      const earlier = await storedAnswer(db, scope);
      if (earlier) return send(res, earlier, true);

      const refuse = async (body: unknown) => {
        const { answer, replayed } = await rememberAnswer(db, scope, { status: 422, body });
        send(res, answer, replayed);
      };
      const parsed = parseApiTaskBody(req.body, { now: new Date(), horizonDays: settings.scheduleHorizonDays, maxRows: settings.importMaxRows });
      if (!parsed.ok) return refuse(validationFailed(parsed.errors, t));
      const input = parsed.value;
      const choice = await resolveApiCatalogue(db, input);
      if (!choice.ok) return refuse(validationFailed(choice.errors, t));
      const report = checkRecipients(input.rows, { signature: choice.signature.name, templateContent: choice.template.content });
      if (report.valid.length === 0) {
        return refuse(validationFailed({ recipients: { key: 'tasks.errors.noValidRecipients' } }, t, { report: reportJson(report, t) }));
      }

      try {
        const { answer, replayed } = await answerOnce(db, scope, async (trx) => {
          const id = await createConfirmedTask(trx, { user: apiUser, signature: choice.signature, template: choice.template, sendAt: input.sendAt, report, timeZone: settings.timeZone });
          const task = (await findTask(trx, id))!;
          return { status: 201, body: { task: taskJson(task, (await loadTaskCounts(trx, task)).byStatus), report: reportJson(report, t) } };
        });
        if (!replayed) (req.app.locals.deps as AppDeps | undefined)?.wakeDispatcher?.();
        send(res, answer, replayed);
      } catch (err) {
        // The catalogue changed between the check and the confirm: the draft was rolled back, and this is the answer.
        if (!(err instanceof ConfirmRefused)) throw err;
        const { key, params } = err.refusal;
        await refuse(validationFailed({ [refusalField(err.refusal)]: { key, params } }, t, { report: reportJson(report, t) }));
      }
    },
  };
}
