import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { DuplicateNameError, type CatalogueTable, type ReviewFields } from '../queries/catalogue.queries';
import { allowedActions, canEdit, createItem, editItem, review, type ReviewAction } from '../services/catalogue.service';
import type { Settings } from '../services/settings.service';
import { parseCatalogueFilter, parseRejectForm } from '../validators/catalogue.validators';
import { parseId } from '../validators/users.validators';
import { field, hasErrors, type FieldErrors, type Parsed } from '../validators/validation';
import { flash } from '../middleware/flash';
import { auditContext } from './audit-context';

/** What differs between signatures and templates; the review workflow around it is shared. */
export interface CatalogueKind<T extends ReviewFields & { name: string }, V extends Record<string, unknown>> {
  table: CatalogueTable;
  formFields: readonly string[];
  find(db: Knex, id: number): Promise<T | undefined>;
  list(db: Knex, filter: ReturnType<typeof parseCatalogueFilter>): Promise<T[]>;
  parse(body: unknown, settings: Settings): Parsed<V>;
  /** Errors that need the database, such as a duplicate name. */
  conflicts(db: Knex, value: V, exceptId?: number): Promise<FieldErrors>;
  toRow(value: V): Record<string, unknown>;
  toFormValues(item: T): Record<string, string>;
  /** Why an item cannot be approved as it is (e.g. a template too long to send); none when it can. */
  approvalErrors?(db: Knex, item: T): Promise<FieldErrors>;
}

export function catalogueHandlers<T extends ReviewFields & { name: string }, V extends Record<string, unknown>>({ db }: AppDeps, kind: CatalogueKind<T, V>) {
  const base = `/${kind.table}`;
  const view = (name: string) => `pages/${kind.table}/${name}`;

  async function load(req: Request): Promise<T> {
    const id = parseId(req.params.id);
    const item = id === null ? undefined : await kind.find(db, id);
    if (!item) throw new HttpError(404, 'errors.notFound');
    return item;
  }

  async function validate(req: Request, res: Response, exceptId?: number): Promise<Parsed<V>> {
    const parsed = kind.parse(req.body, res.locals.settings);
    if (!parsed.ok) return parsed;
    const errors = await kind.conflicts(db, parsed.value, exceptId);
    return hasErrors(errors) ? { ok: false, errors } : parsed;
  }

  const typedValues = (req: Request) => Object.fromEntries(kind.formFields.map((f) => [f, field(req.body, f)]));

  function renderShow(res: Response, item: T, status = 200, errors: FieldErrors = {}, values: Record<string, string> = {}) {
    const user = res.req.user!;
    res.status(status).render(view('show'), {
      title: item.name,
      item,
      errors,
      values,
      actions: user.role === 'admin' ? allowedActions(item.status) : [],
      editable: canEdit(user, item),
    });
  }

  function reviewAction(action: ReviewAction) {
    return async (req: Request, res: Response) => {
      const item = await load(req);
      let reason: string | null = null;
      if (action === 'reject') {
        const parsed = parseRejectForm(req.body);
        if (!parsed.ok) return renderShow(res, item, 422, parsed.errors, { reason: field(req.body, 'reason') });
        reason = parsed.value.reason;
      }
      // Enabling puts the item back in use, so it must pass the same checks as an approval (a template that fits).
      if ((action === 'approve' || action === 'enable') && kind.approvalErrors) {
        const errors = await kind.approvalErrors(db, item);
        if (hasErrors(errors)) return renderShow(res, item, 422, errors);
      }
      try {
        await review(db, kind.table, item, action, req.user!, reason, auditContext(req, res));
        flash(req, `review.done.${action}`, { name: String(item.name) });
      } catch (err) {
        // Someone else decided first: show the item as it is now, with the message, rather than an error page.
        if (!(err instanceof HttpError) || err.status !== 409) throw err;
        flash(req, err.messageKey, err.params, 'error');
      }
      res.redirect(303, `${base}/${item.id}`);
    };
  }

  return {
    async list(req: Request, res: Response) {
      const filter = parseCatalogueFilter(req.query as Record<string, unknown>);
      res.render(view('index'), { title: res.locals.t(`${kind.table}.title`), items: await kind.list(db, filter), filter });
    },

    newForm(_req: Request, res: Response) {
      res.render(view('form'), { title: res.locals.t(`${kind.table}.new`), item: null, values: {} });
    },

    async create(req: Request, res: Response) {
      const parsed = await validate(req, res);
      if (!parsed.ok) {
        return res.status(422).render(view('form'), { title: res.locals.t(`${kind.table}.new`), item: null, errors: parsed.errors, values: typedValues(req) });
      }
      let id: number;
      try {
        id = await createItem(db, kind.table, kind.toRow(parsed.value), req.user!, auditContext(req, res));
      } catch (err) {
        if (!(err instanceof DuplicateNameError)) throw err;
        const errors = await kind.conflicts(db, parsed.value);
        return res.status(422).render(view('form'), { title: res.locals.t(`${kind.table}.new`), item: null, errors, values: typedValues(req) });
      }
      flash(req, 'review.submitted');
      res.redirect(303, `${base}/${id}`);
    },

    async show(req: Request, res: Response) {
      renderShow(res, await load(req));
    },

    async editForm(req: Request, res: Response) {
      const item = await load(req);
      if (!canEdit(req.user!, item)) throw new HttpError(403, 'errors.forbidden');
      res.render(view('form'), { title: item.name, item, values: kind.toFormValues(item) });
    },

    async update(req: Request, res: Response) {
      const item = await load(req);
      if (!canEdit(req.user!, item)) throw new HttpError(403, 'errors.forbidden');
      const parsed = await validate(req, res, item.id);
      if (!parsed.ok) return res.status(422).render(view('form'), { title: item.name, item, errors: parsed.errors, values: typedValues(req) });
      try {
        await editItem(db, kind.table, item, kind.toRow(parsed.value), req.user!, auditContext(req, res));
      } catch (err) {
        if (!(err instanceof DuplicateNameError)) throw err;
        const errors = await kind.conflicts(db, parsed.value, item.id);
        return res.status(422).render(view('form'), { title: item.name, item, errors, values: typedValues(req) });
      }
      flash(req, 'review.resubmitted');
      res.redirect(303, `${base}/${item.id}`);
    },

    approve: reviewAction('approve'),
    reject: reviewAction('reject'),
    disable: reviewAction('disable'),
    enable: reviewAction('enable'),
  };
}
