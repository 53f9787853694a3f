import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { flash } from '../middleware/flash';
import { HttpError } from '../http-error';
import { countOptOuts, listOptOutChanges, listOptOuts, optOutPage } from '../queries/opt-outs.queries';
import { addOptOut, addOptOuts, removeOptOut } from '../services/opt-outs.service';
import { checkImportFile } from '../services/recipients.service';
import { discardUpload, receiveUpload } from '../middleware/upload';
import { uploadDir } from '../middleware/upload-storage';
import { BUSY_RETRY_AFTER_S } from '../imports/import-gate';
import { chunkBuffers, parseChunk } from '../drafts/recipient-chunks';
import { releaseChunks } from '../drafts/chunk-spool';
import { requestGone } from './request-gone';
import { csvCell } from '../services/csv.service';
import type { Settings } from '../services/settings.service';
import { OPT_OUT_REASON_MAX, parseOptOutForm, parseOptOutSearch } from '../validators/opt-outs.validators';
import { field, type FieldErrors } from '../validators/validation';
import { numberFormatter } from '../i18n/number-format';
import { recordAudit } from '../services/audit.service';
import { auditContext } from './audit-context';

const PAGE_SIZE = 50;
const HISTORY_SIZE = 50;
const EXPORT_PAGE = 1000;

/** The opt-out list (issue 14): search, add (members and admins), import, export, remove (admins, with a reason). */
export function optOutsHandlers({ db, config, importGate }: AppDeps) {
  async function renderPage(req: Request, res: Response, status = 200, errors: FieldErrors = {}, values: Record<string, string> = {}) {
    const q = parseOptOutSearch(req.query.q);
    const after = parseOptOutSearch(req.query.after);
    const rows = await listOptOuts(db, q, PAGE_SIZE, after || undefined);
    const exact = q.length === 11 ? q : null;
    res.status(status).render('pages/opt-outs/index', {
      title: res.locals.t('optOuts.title'),
      q,
      rows: rows.slice(0, PAGE_SIZE),
      nextAfter: rows.length > PAGE_SIZE ? rows[PAGE_SIZE - 1].phone : null,
      total: await countOptOuts(db),
      history: await listOptOutChanges(db, exact, HISTORY_SIZE),
      isAdmin: req.user!.role === 'admin',
      errors,
      values,
      reasonMax: OPT_OUT_REASON_MAX,
    });
  }

  const actor = (req: Request) => ({ userId: req.user!.id, apiKeyId: null });
  /** Both who for the list's own history and who for the audit log. */
  const by = (req: Request, res: Response) => ({ actor: actor(req), by: auditContext(req, res) });

  return {
    list: (req: Request, res: Response) => renderPage(req, res),

    async add(req: Request, res: Response) {
      const parsed = parseOptOutForm(req.body);
      const values = { phone: field(req.body, 'phone'), reason: field(req.body, 'reason') };
      if (!parsed.ok) return renderPage(req, res, 422, parsed.errors, values);
      const added = await addOptOut(db, { ...parsed.value, source: 'manual', ...by(req, res) });
      flash(req, added ? 'optOuts.added' : 'optOuts.alreadyListed', { phone: parsed.value.phone });
      res.redirect(303, `/opt-outs?q=${parsed.value.phone}`);
    },

    async remove(req: Request, res: Response) {
      const parsed = parseOptOutForm({ phone: req.params.phone, reason: field(req.body, 'reason') });
      if (!parsed.ok && parsed.errors.phone) throw new HttpError(404, 'errors.notFound');
      if (!parsed.ok) return renderPage(req, res, 422, { removeReason: parsed.errors.reason }, { removePhone: String(req.params.phone) });
      const removed = await removeOptOut(db, { ...parsed.value, source: 'manual', ...by(req, res) });
      flash(req, removed ? 'optOuts.removed' : 'optOuts.notListed', { phone: parsed.value.phone });
      res.redirect(303, `/opt-outs?q=${parsed.value.phone}`);
    },

    /** A file of numbers: the send form's parser and recipient check, in a worker, under the same limits. */
    async importFile(req: Request, res: Response) {
      const settings: Settings = res.locals.settings;
      const upload = await receiveUpload(req, res, { maxBytes: settings.importMaxBytes, dir: uploadDir(config.dataDir), idleMs: config.uploadIdleMs, totalMs: config.uploadTotalMs });
      if (!upload.ok && 'aborted' in upload) return;
      const values = { importReason: field(req.body, 'importReason') };
      const refuse = async (status: number, errors: FieldErrors) => {
        await discardUpload(req);
        return renderPage(req, res, status, errors, values);
      };
      if (!upload.ok) return refuse(upload.status, { file: upload.error });
      const reason = values.importReason.trim();
      if (reason === '') return refuse(422, { importReason: { key: 'validation.required' } });
      if (reason.length > OPT_OUT_REASON_MAX) return refuse(422, { importReason: { key: 'optOuts.errors.reasonLong', params: { max: OPT_OUT_REASON_MAX } } });
      let checked;
      try {
        checked = await checkImportFile(req.file, { signature: '', templateContent: '', maxRows: settings.importMaxRows, maxBytes: settings.importMaxBytes }, { gate: importGate, signal: requestGone(res) });
      } finally {
        await discardUpload(req);
      }
      if (!checked.ok) {
        if (checked.status === 503) res.set('Retry-After', String(BUSY_RETRY_AFTER_S));
        return refuse(checked.status ?? 422, { file: checked.error });
      }
      const phones = chunkBuffers(checked.recipients.chunks).flatMap((c) => parseChunk(c)).map((r) => r[1]);
      releaseChunks(checked.recipients.chunks);
      if (phones.length === 0) return refuse(422, { file: { key: 'optOuts.errors.noValidNumbers', params: { refused: checked.report.invalid.length } } });
      const { added, already } = await addOptOuts(db, phones, { reason, source: 'import', ...by(req, res) });
      const num = numberFormatter(res.locals.locale as string);
      flash(req, 'optOuts.imported', { added: num(added), already: num(already), refused: num(checked.report.invalid.length) });
      res.redirect(303, '/opt-outs');
    },

    /** The whole list as CSV (UTF-8 with BOM), streamed page by page, every cell formula-safe; recorded with its row count. */
    async exportCsv(req: Request, res: Response) {
      const t = res.locals.t;
      res.attachment('opt-outs.csv').type('text/csv; charset=utf-8');
      const line = (cells: string[]) => cells.map(csvCell).join(',') + '\r\n';
      const write = (text: string) => (res.write(text) ? Promise.resolve() : new Promise<void>((resolve) => res.once('drain', () => resolve())));
      await write('\uFEFF' + line([t('optOuts.phone'), t('optOuts.source'), t('optOuts.reason'), t('optOuts.addedBy'), t('optOuts.addedAt')]));
      // Recorded when it ends, like the task exports: a download cancelled half-way says so, with the rows sent.
      let rows = 0;
      const record = (completed: boolean) =>
        recordAudit(db, { ...auditContext(req, res), action: 'export.opt_outs', object: { type: 'opt_out', id: null }, summary: { after: { format: 'csv', rows, completed } } });
      let after = '';
      for (;;) {
        if (res.destroyed) return record(false);
        const page = await optOutPage(db, after, EXPORT_PAGE);
        if (page.length === 0) break;
        await write(page.map((o) => line([o.phone, t(`optOuts.sources.${o.source}`), o.reason, o.createdByName ?? '', o.createdAt])).join(''));
        rows += page.length;
        after = page[page.length - 1].phone;
      }
      await record(true);
      res.end();
    },
  };
}
