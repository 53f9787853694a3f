import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { ApiError, HttpError } from '../http-error';
import type { ApiLocals } from '../middleware/api-auth';
import { findTask } from '../queries/tasks.queries';
import { answerOnce, rememberAnswer, storedAnswer, type ApiAnswer, type IdempotencyScope } from '../services/api-idempotency.service';
import { apiVisibleTask, ConfirmRefused, createConfirmedTask, refusalField, resolveApiCatalogue } from '../services/api-tasks.service';
import type { Settings } from '../services/settings.service';
import { checkApiBodyOffThread } from '../imports/import-worker';
import { BUSY_RETRY_AFTER_S } from '../imports/import-gate';
import { requestGone } from './request-gone';
import type { ApiTaskHead } from '../imports/worker-protocol';
import type { Signature, Template } from '../queries/catalogue.queries';
import type { FieldErrors } from '../validators/validation';
import { rawBodyOf } from '../middleware/raw-body';
import { loadTaskCounts } from '../services/task-progress.service';
import { IDEMPOTENCY_KEY_MAX, parseApiTaskBody, parseIdempotencyKey } from '../validators/api.validators';
import { reportJson, taskJson, validationFailed } from './api-json';
import { quietHoursRefusal } from '../services/send-rules.service';
import { screenDraft } from '../services/send-rules-check.service';
import { optOutKeysFor } from '../services/opt-out-snapshot.service';
import { auditContext } from './audit-context';

function send(res: Response, answer: ApiAnswer, replayed: boolean) {
  const task = (answer.body as { task?: { id?: unknown } }).task;
  if (answer.status === 201 && typeof task?.id === 'string') res.location(`/api/v1/tasks/${task.id}`);
  if (replayed) res.set('Idempotent-Replayed', 'true');
  res.status(answer.status).json(answer.body);
}

export function apiTasksHandlers({ db, importGate }: AppDeps) {
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
      // The body is parsed, judged and its recipients checked in an import worker, under the same cap as the send
      // form's imports (100,000 recipients took the main thread about 2 s); only the signature and template are
      // resolved here, between the two, since the database is this thread's.
      const raw = rawBodyOf(req);
      if (!raw) {
        const parsed = parseApiTaskBody(req.body, { now: new Date(), horizonDays: settings.scheduleHorizonDays, maxRows: settings.importMaxRows });
        if (!parsed.ok) return refuse(validationFailed(parsed.errors, t));
        throw new Error('a request without a JSON body passed the body checks');
      }
      let input: ApiTaskHead | undefined;
      let choice: { signature: Signature; template: Template } | undefined;
      let refused: FieldErrors | undefined;
      const checked = await checkApiBodyOffThread(
        raw,
        { now: new Date(), horizonDays: settings.scheduleHorizonDays, limits: { maxRows: settings.importMaxRows, maxBytes: settings.importMaxBytes } },
        async (head) => {
          input = head;
          const resolved = await resolveApiCatalogue(db, head);
          if (!resolved.ok) {
            refused = resolved.errors;
            return null;
          }
          const quietHours = quietHoursRefusal(resolved.template.smsType, head.sendAt, settings);
          if (quietHours) {
            refused = { send_at: quietHours };
            return null;
          }
          choice = resolved;
          const optOuts = await optOutKeysFor(db, resolved.template.smsType, settings.sendRules);
          return { signature: resolved.signature.name, templateContent: resolved.template.content, optOuts };
        },
        { gate: importGate, signal: requestGone(res) },
      );
      if (!checked.ok) {
        if (checked.fields) return refuse(validationFailed(checked.fields, t));
        if (refused) return refuse(validationFailed(refused, t));
        if (checked.error.params?.reason === 'not_json') throw new HttpError(400, 'errors.badRequest');
        if (checked.error.code === 'busy') {
          res.set('Retry-After', String(BUSY_RETRY_AFTER_S));
          throw new ApiError(503, 'busy', 'api.errors.busy');
        }
        throw new Error(`recipient check failed: ${JSON.stringify(checked.error.params ?? {})}`);
      }
      if (!input || !choice) throw new Error('recipients checked without a signature and template');
      const { signature, template } = choice;
      const sendAt = input.sendAt;
      // Issue 14: opted-out and capped numbers are refused rows in the report too (createDraft applies the same screen).
      const { report, recipients } = await screenDraft(db, template.smsType, checked.report, checked.recipients, { timeZone: settings.timeZone, now: new Date() });
      if (recipients.count === 0) {
        return refuse(validationFailed({ recipients: { key: 'tasks.errors.noValidRecipients' } }, t, { report: reportJson(report, recipients.count, t) }));
      }

      try {
        const { answer, replayed } = await answerOnce(db, scope, async (trx) => {
          const id = await createConfirmedTask(trx, { user: apiUser, signature, template, sendAt, report, recipients, timeZone: settings.timeZone, by: auditContext(req, res) });
          const task = (await findTask(trx, id))!;
          return { status: 201, body: { task: taskJson(task, (await loadTaskCounts(trx, task)).byStatus), report: reportJson(report, recipients.count, t) } };
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
