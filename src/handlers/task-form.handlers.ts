import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { findTemplate } from '../queries/catalogue.queries';
import { findTask } from '../queries/tasks.queries';
import { canManageTask, createDraft } from '../services/drafts.service';
import { importTemplateCsv, importTemplateDisposition, importTemplateFor, importTemplateXlsx } from '../services/import-template.service';
import { checkImportFile, checkManualNumbers } from '../services/recipients.service';
import { buildTaskFormModel, previewFor, resolveCatalogueChoice } from '../services/task-form.service';
import { discardUpload, receiveUpload } from '../middleware/upload';
import { uploadDir } from '../middleware/upload-storage';
import { parseTicket } from '../services/import-progress.service';
import type { ImportProgress, ProgressListener } from '../imports/import-types';
import { BUSY_RETRY_AFTER_S } from '../imports/import-gate';
import { requestGone } from './request-gone';
import type { Translate } from '../i18n/i18n';
import { numberFormatter } from '../i18n/number-format';
import { parseTaskForm, taskFormValues } from '../validators/tasks.validators';
import { quietHoursRefusal } from '../services/send-rules.service';
import { optOutKeysFor } from '../services/opt-out-snapshot.service';
import { parseId } from '../validators/users.validators';
import type { FieldErrors } from '../validators/validation';
import type { Settings } from '../services/settings.service';
import { nightNotice } from '../services/night-notice.service';
import { parseLocalDateTime } from '../time/zoned-time';

export function taskFormHandlers({ db, logger, config, importGate, importProgress }: AppDeps) {
  /** Progress of this request's import, kept for the page's polling while the import runs (import-progress.service.ts). */
  function trackProgress(req: Request): { onProgress?: ProgressListener; done(): void } {
    const ticket = parseTicket(req.get('x-import-ticket'));
    if (!ticket || !importProgress) return { done: () => undefined };
    const userId = req.user!.id;
    return {
      onProgress: (progress) => importProgress.set(userId, ticket, progress),
      done: () => importProgress.delete(userId, ticket),
    };
  }

  /** `fileAgain`: the name of the file a draft was checked from, when coming back to edit it (it must be chosen again). */
  async function renderForm(res: Response, values: Record<string, string>, status = 200, errors: FieldErrors = {}, fileAgain: string | null = null) {
    const settings: Settings = res.locals.settings;
    const model = await buildTaskFormModel(db, settings, values);
    // "Send now" starts now; a schedule not (yet) readable leaves the notice to the script as it is typed.
    const startsAt = values.sendMode === 'scheduled' ? parseLocalDateTime(values.sendAt ?? '', settings.timeZone) : new Date();
    const night = nightNotice(values.smsType ?? '', startsAt, settings.timeZone);
    res.status(status).render('pages/tasks/new', { title: res.locals.t('tasks.new'), values, errors, ...model, night, fileAgain, scripts: ['/public/js/task-form.js'] });
  }

  return {
    /**
     * `?from=<draft>` comes back from the check page with everything chosen before. Someone else's draft is
     * not found, as everywhere else; an id that is no draft at all just gives an empty form.
     */
    async newForm(req: Request, res: Response) {
      const from = typeof req.query.from === 'string' ? await findTask(db, req.query.from) : undefined;
      const draft = from && from.status === 'draft' ? from : undefined;
      if (draft && !canManageTask(req.user!, draft)) throw new HttpError(404, 'errors.notFound');
      const fileAgain = draft && draft.source === 'import' ? (draft.fileName ?? '') : null;
      await renderForm(res, draft ? draft.formState : taskFormValues(req.query), 200, {}, fileAgain);
    },

    async preview(req: Request, res: Response) {
      const preview = await previewFor(db, req.query.signatureId, req.query.templateId);
      res.render('partials/tasks/preview', { preview, layout: false });
    },

    async submit(req: Request, res: Response) {
      const settings: Settings = res.locals.settings;
      const upload = await receiveUpload(req, res, {
        maxBytes: settings.importMaxBytes,
        dir: uploadDir(config.dataDir),
        idleMs: config.uploadIdleMs,
        totalMs: config.uploadTotalMs,
      });
      if (!upload.ok && 'aborted' in upload) {
        logger.warn('upload aborted: its body stalled or took too long', { path: req.path });
        return;
      }
      const values = taskFormValues(req.body);
      // The file goes before the answer does, so that nothing is left once the user sees the form again.
      const refuse = async (status: number, errors: FieldErrors) => {
        await discardUpload(req);
        return renderForm(res, values, status, errors);
      };
      if (!upload.ok) return refuse(upload.status, { file: upload.error });

      const parsed = parseTaskForm(req.body, { now: new Date(), timeZone: settings.timeZone, horizonDays: settings.scheduleHorizonDays });
      if (!parsed.ok) return refuse(422, parsed.errors);
      const form = parsed.value;
      const quietHours = quietHoursRefusal(form.smsType, form.sendAt, settings);
      if (quietHours) return refuse(422, { sendAt: quietHours });
      const choice = await resolveCatalogueChoice(db, form);
      if (!choice.ok) return refuse(422, choice.errors);

      const ctx = { signature: choice.signature.name, templateContent: choice.template.content, maxRows: settings.importMaxRows, maxBytes: settings.importMaxBytes };
      let recipients;
      if (form.recipientsMode === 'manual') {
        await discardUpload(req);
        recipients = checkManualNumbers(form.manualNumbers, ctx);
      } else {
        const progress = trackProgress(req);
        try {
          const optOuts = await optOutKeysFor(db, choice.template.smsType, settings.sendRules);
          recipients = await checkImportFile(req.file, ctx, { gate: importGate, signal: requestGone(res), onProgress: progress.onProgress, optOuts });
        } finally {
          progress.done();
          await discardUpload(req);
        }
      }
      if (!recipients.ok) {
        if (recipients.status === 503) res.set('Retry-After', String(BUSY_RETRY_AFTER_S));
        // A worker crash or timeout reads as "could not be read" to the user; the log keeps the real cause.
        if (recipients.error.params?.detail) logger.warn('import could not be read', { reason: recipients.error.params.reason, detail: recipients.error.params.detail });
        return renderForm(res, values, recipients.status ?? 422, { [recipients.field]: recipients.error });
      }

      // Very long pasted lists are not worth keeping for "back to edit"; the draft has the numbers anyway.
      const formState = { ...values, manualNumbers: values.manualNumbers.length <= 100_000 ? values.manualNumbers : '' };
      const id = await createDraft(db, {
        user: req.user!,
        signature: choice.signature,
        template: choice.template,
        sendMode: form.sendMode,
        sendAt: form.sendAt,
        source: recipients.source,
        fileName: recipients.fileName,
        report: recipients.report,
        recipients: recipients.recipients,
        formState,
        timeZone: settings.timeZone,
      });
      res.redirect(303, `/tasks/${id}/check`);
    },

    /** How far this user's import with that ticket is: `{ progress: null }` once it is over (or unknown). */
    importStatus(req: Request, res: Response) {
      const ticket = parseTicket(req.params.ticket);
      const progress = ticket && importProgress ? (importProgress.get(req.user!.id, ticket) ?? null) : null;
      res.set('Cache-Control', 'no-store').json({ progress, label: progress ? progressLabel(progress, res.locals.t, numberFormatter(res.locals.locale as string)) : null });
    },

    importTemplate: (format: 'xlsx' | 'csv') => async (req: Request, res: Response) => {
      const id = parseId(req.query.templateId);
      const template = id === null ? undefined : await findTemplate(db, id);
      if (!template) throw new HttpError(404, 'errors.notFound');
      const t = res.locals.t;
      const file = importTemplateFor(template, t);
      res.set('Content-Disposition', importTemplateDisposition(template, format, t));
      if (format === 'csv') {
        res.type('text/csv; charset=utf-8').send(importTemplateCsv(file, t));
      } else {
        res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(importTemplateXlsx(file, t));
      }
    },
  };
}

/** What the form shows beside its progress bar for each phase of the import, its counts grouped by `num`. */
export function progressLabel(progress: ImportProgress, t: Translate, num: (n: number) => string): string {
  switch (progress.phase) {
    case 'waiting':
      return progress.ahead ? t('tasks.importWaitingAhead', { ahead: num(progress.ahead) }) : t('tasks.importWaiting');
    case 'reading':
      return t('tasks.importReading');
    case 'checking':
      if (progress.total) return t('tasks.importCheckingRows', { done: num(progress.done ?? 0), total: num(progress.total) });
      return progress.done ? t('tasks.importCheckingSoFar', { done: num(progress.done) }) : t('tasks.checking');
    default:
      return t('tasks.checking');
  }
}
