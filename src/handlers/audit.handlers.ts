import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { AUDIT_ACTIONS, AUDIT_OBJECT_TYPES } from '../audit/audit-actions';
import { auditPage, recordAudit } from '../services/audit.service';
import { auditRow, writeAuditCsv } from '../services/audit-view.service';
import type { Settings } from '../services/settings.service';
import { auditQueryString, parseAuditQuery, type AuditQuery } from '../validators/audit.validators';
import { hasErrors } from '../validators/validation';
import { auditContext } from './audit-context';
import { streamRecordedDownload } from './recorded-download';

/** `/audit` (admins): the filtered records by keyset pages, and their CSV export. */
export function auditHandlers({ db }: AppDeps) {
  async function render(res: Response, query: AuditQuery) {
    const settings = res.locals.settings as Settings;
    const invalid = hasErrors(query.errors);
    const page = invalid ? { records: [], olderThan: null, newerThan: null } : await auditPage(db, query.filter, query.cursor);
    const link = (extra: Record<string, string | number> = {}) => {
      const qs = auditQueryString(query.values, extra);
      return qs ? `/audit?${qs}` : '/audit';
    };
    const exportQs = auditQueryString(query.values);
    res.status(invalid ? 422 : 200).render('pages/audit/index', {
      title: res.locals.t('audit.title'),
      rows: page.records.map((r) => auditRow(r, res.locals.t, settings.timeZone)),
      values: query.values,
      errors: query.errors,
      actions: AUDIT_ACTIONS,
      objectTypes: AUDIT_OBJECT_TYPES,
      filtered: exportQs !== '',
      pager: {
        first: query.cursor.beforeId !== undefined || query.cursor.afterId !== undefined ? link() : null,
        newer: page.newerThan !== null ? link({ after: page.newerThan }) : null,
        older: page.olderThan !== null ? link({ before: page.olderThan }) : null,
      },
      exportUrl: invalid ? null : `/audit/export.csv${exportQs ? '?' + exportQs : ''}`,
      timeZone: settings.timeZone,
    });
  }

  return {
    list: (req: Request, res: Response) => render(res, parseAuditQuery(req.query as Record<string, unknown>, (res.locals.settings as Settings).timeZone)),

    /** A malformed filter gets the page with its messages (422), as the list does: never a file of the wrong rows. */
    async exportCsv(req: Request, res: Response) {
      const settings = res.locals.settings as Settings;
      const query = parseAuditQuery(req.query as Record<string, unknown>, settings.timeZone);
      if (hasErrors(query.errors) || query.cursor.beforeId !== undefined || query.cursor.afterId !== undefined) {
        if (!hasErrors(query.errors)) query.errors.form = { key: 'audit.errors.page' };
        return render(res, query);
      }
      const stamp = new Date().toISOString().slice(0, 10).replace(/-/g, '');
      res.attachment(`audit-${stamp}.csv`).type('text/csv; charset=utf-8');
      res.flushHeaders();
      const progress = { rows: 0 };
      const filter = Object.fromEntries(Object.entries(query.values).filter(([, v]) => v !== ''));
      const record = (completed: boolean) =>
        recordAudit(db, { ...auditContext(req, res), action: 'export.audit', object: { type: 'audit', id: null }, summary: { after: { format: 'csv', filter, rows: progress.rows, completed } } });
      await streamRecordedDownload(res, () => writeAuditCsv(db, query.filter, res, { t: res.locals.t, timeZone: settings.timeZone }, progress), record);
    },
  };
}
