import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { listCarrierAccounts } from '../queries/carrier-accounts.queries';
import { hasInboundOlderThan, listInboxPage, type InboundFilter, type InboxCursor, type InboxRow } from '../queries/inbound-messages.queries';
import type { Settings } from '../services/settings.service';
import { formatDateTime } from '../time/zoned-time';
import { hasErrors } from '../validators/validation';
import { INBOX_PAGE_SIZE, inboxUrl, parseInboxQuery } from '../validators/inbox.validators';

interface InboxPage {
  rows: InboxRow[];
  hasPrev: boolean;
  hasNext: boolean;
}

export function inboxHandlers({ db }: AppDeps) {
  /** The page the cursor points at, newest first, and whether pages exist on either side (as /tasks pages). */
  async function loadPage(filter: InboundFilter, cursor: InboxCursor): Promise<InboxPage> {
    if (cursor.before !== undefined) {
      const newer = await listInboxPage(db, filter, cursor, INBOX_PAGE_SIZE + 1);
      if (newer.length > INBOX_PAGE_SIZE) {
        const rows = newer.slice(1);
        return { rows, hasPrev: true, hasNext: await hasInboundOlderThan(db, filter, rows[rows.length - 1].id) };
      }
      // Less than a page newer than the cursor: that is the first page, shown whole.
    }
    const rows = await listInboxPage(db, filter, { after: cursor.after }, INBOX_PAGE_SIZE + 1);
    return { rows: rows.slice(0, INBOX_PAGE_SIZE), hasPrev: cursor.after !== undefined, hasNext: rows.length > INBOX_PAGE_SIZE };
  }

  return {
    /** GET /inbox: replies from handsets, newest first. A filter that cannot be read answers 422 beside its field. */
    async list(req: Request, res: Response) {
      const settings = res.locals.settings as Settings;
      const accounts = await listCarrierAccounts(db);
      const query = parseInboxQuery(req.query, { timeZone: settings.timeZone, accountIds: new Set(accounts.map((a) => a.id)) });
      const invalid = hasErrors(query.errors);
      const page = invalid ? { rows: [], hasPrev: false, hasNext: false } : await loadPage(query.filter, query.cursor);
      const { rows } = page;
      const filtered = Object.values(query.values).some((v) => v !== '');
      res.status(invalid ? 422 : 200).render('pages/inbox/index', {
        title: res.locals.t('inbox.title'),
        rows,
        accounts: accounts.map((a) => ({ id: a.id, name: a.name })),
        values: query.values,
        errors: query.errors,
        invalid,
        filtered,
        pager: {
          first: page.hasPrev ? inboxUrl(query.values) : null,
          prev: page.hasPrev && rows.length > 0 ? inboxUrl(query.values, { before: rows[0].id }) : null,
          next: page.hasNext ? inboxUrl(query.values, { after: rows[rows.length - 1].id }) : null,
        },
        time: (iso: string) => formatDateTime(iso, settings.timeZone, res.locals.locale, true),
      });
    },
  };
}
