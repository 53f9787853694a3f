import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { ApiError } from '../http-error';
import type { ApiLocals } from '../middleware/api-auth';
import { countMessagesByStatus } from '../queries/messages.queries';
import { findTask } from '../queries/tasks.queries';
import { answerOnce, rememberAnswer, storedAnswer, type ApiAnswer, type IdempotencyScope } from '../services/api-idempotency.service';
import { apiVisibleTask, ConfirmRefused, createConfirmedTask, refusalField, resolveApiCatalogue } from '../services/api-tasks.service';
import type { Settings } from '../services/settings.service';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { checkApiBodyOffThread, checkRowsOffThread } from '../imports/import-worker';
import { rawBodyOf } from '../middleware/raw-body';
import { IDEMPOTENCY_KEY_MAX, parseApiTaskBody, parseIdempotencyKey } from '../validators/api.validators';
import { reportJson, taskJson, validationFailed } from './api-json';

function send(res: Response, answer: ApiAnswer, replayed: boolean) {
  const task = (answer.body as { task?: { id?: unknown } }).task;
  if (answer.status === 201 && typeof task?.id === 'string') res.location(`/api/v1/tasks/${task.id}`);
  if (replayed) res.set('Idempotent-Replayed', 'true');
  res.status(answer.status).json(answer.body);
}

/** Seconds a create refused for want of a worker is told to wait. */
const BUSY_RETRY_AFTER_S = 5;

/** Aborted when the client goes away before its answer, so a queued check is dropped rather than run for nobody. */
function requestGone(res: Response): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

export function apiTasksHandlers({ db, importGate }: AppDeps) {
  return {
    async show(req: Request, res: Response) {
      const task = await apiVisibleTask(db, req.params.id);
      res.json({ task: taskJson(task, await countMessagesByStatus(db, task.id)) });
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
      // The body's JSON was parsed in this same turn of the event loop: let other requests in before going on.
      await yieldToLoop();
      const limits = { now: new Date(), horizonDays: settings.scheduleHorizonDays, maxRows: settings.importMaxRows };
      // With the raw body at hand, each recipient's shape is judged in the worker, with the check.
      const raw = rawBodyOf(req);
      const parsed = parseApiTaskBody(req.body, limits, { recipients: raw === undefined });
      if (!parsed.ok) return refuse(validationFailed(parsed.errors, t));
      const input = parsed.value;
      const choice = await resolveApiCatalogue(db, input);
      if (!choice.ok) {
        // Malformed recipients are named before catalogue problems, as when all was judged here (a rare path).
        const shapes = raw ? parseApiTaskBody(req.body, limits) : parsed;
        return refuse(validationFailed(shapes.ok ? choice.errors : shapes.errors, t));
      }
      // Checked in an import worker, under the same cap as the send form's imports: 100,000 recipients took the
      // main thread about 2 s.
      const ctx = { signature: choice.signature.name, templateContent: choice.template.content };
      const workerLimits = { maxRows: settings.importMaxRows, maxBytes: settings.importMaxBytes };
      const options = { gate: importGate, signal: requestGone(res) };
      const checked = raw ? await checkApiBodyOffThread(raw, ctx, workerLimits, options) : await checkRowsOffThread(input.rows, ctx, workerLimits, options);
      if (!checked.ok) {
        if (checked.fields) return refuse(validationFailed(checked.fields, t));
        if (checked.error.code === 'busy') {
          res.set('Retry-After', String(BUSY_RETRY_AFTER_S));
          throw new ApiError(503, 'busy', 'api.errors.busy');
        }
        throw new Error(`recipient check failed: ${JSON.stringify(checked.error.params ?? {})}`);
      }
      const { report, recipients } = checked;
      if (recipients.count === 0) {
        return refuse(validationFailed({ recipients: { key: 'tasks.errors.noValidRecipients' } }, t, { report: reportJson(report, recipients.count, t) }));
      }

      try {
        const { answer, replayed } = await answerOnce(db, scope, async (trx) => {
          const id = await createConfirmedTask(trx, { user: apiUser, signature: choice.signature, template: choice.template, sendAt: input.sendAt, report, recipients, timeZone: settings.timeZone });
          const task = (await findTask(trx, id))!;
          return { status: 201, body: { task: taskJson(task, await countMessagesByStatus(trx, id)), report: reportJson(report, recipients.count, t) } };
        });
        if (!replayed) (req.app.locals.deps as AppDeps | undefined)?.wakeDispatcher?.();
        send(res, answer, replayed);
      } catch (err) {
        // The catalogue changed between the check and the confirm: the draft was rolled back, and this is the answer.
        if (!(err instanceof ConfirmRefused)) throw err;
        const { key, params } = err.refusal;
        await refuse(validationFailed({ [refusalField(err.refusal)]: { key, params } }, t, { report: reportJson(report, recipients.count, t) }));
      }
    },
  };
}
