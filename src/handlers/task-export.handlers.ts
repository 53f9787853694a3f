import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { findTask } from '../queries/tasks.queries';
import type { Settings } from '../services/settings.service';
import { writeCsvExport, writeXlsxExport, type ExportContext, type ExportProgress } from '../services/task-export.service';
import { recordAudit } from '../services/audit.service';
import { auditContext } from './audit-context';
import { streamRecordedDownload } from './recorded-download';
import { variableCount } from '../sms/template';
import { hasFilterErrors, parseMessageQuery } from '../validators/message-filters.validators';

const TYPES = { csv: 'text/csv; charset=utf-8', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } as const;

/**
 * `GET /tasks/:id/messages.csv|.xlsx?phone=&status=&code=[&mask=1]`: the messages of the filter the page shows.
 * Admins choose masking per export; members' exports are masked when the setting says so, whatever they ask.
 */
export function taskExportHandlers({ db }: AppDeps) {
  return (format: keyof typeof TYPES) => async (req: Request, res: Response) => {
    const task = typeof req.params.id === 'string' ? await findTask(db, req.params.id) : undefined;
    if (!task || task.status === 'draft') throw new HttpError(404, 'errors.notFound');
    const query = parseMessageQuery(req.query);
    if (hasFilterErrors(query)) throw new HttpError(400, 'errors.badRequest');
    const settings = res.locals.settings as Settings;
    const ctx: ExportContext = {
      t: res.locals.t,
      locale: res.locals.locale,
      timeZone: settings.timeZone,
      mask: req.user!.role === 'admin' ? req.query.mask === '1' : settings.maskNumbersForMembers,
      variables: variableCount(task.templateContent),
    };
    res.attachment(`${task.id}-messages.${format}`).type(TYPES[format]);
    // The download starts now; rows follow as they are read.
    res.flushHeaders();
    const write = format === 'csv' ? writeCsvExport : writeXlsxExport;
    const progress: ExportProgress = { rows: 0 };
    // Recorded when it ends, with the rows it held; a download cancelled half-way says so, with the rows sent.
    const record = (completed: boolean) =>
      recordAudit(db, {
        ...auditContext(req, res),
        action: 'export.task_messages',
        object: { type: 'task', id: task.id },
        summary: { after: { format, filter: Object.fromEntries(Object.entries(query.values).filter(([, v]) => v !== '')), masked: ctx.mask, rows: progress.rows, completed } },
      });
    await streamRecordedDownload(res, () => write(db, { taskId: task.id, ...query.filter }, res, ctx, progress), record);
  };
}
