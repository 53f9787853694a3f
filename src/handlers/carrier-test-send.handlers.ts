import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { flash } from '../middleware/flash';
import { findCarrierAccount, type CarrierAccount } from '../queries/carrier-accounts.queries';
import { recentTestSends } from '../queries/carrier-test-sends.queries';
import { describeCode } from '../carrier/receipt-codes';
import { sendTestMessage } from '../services/carrier-test-send.service';
import { parseTestSendForm, TEST_TEXT_MAX } from '../validators/carrier-test-send.validators';
import { parseId } from '../validators/users.validators';
import { field, type FieldErrors } from '../validators/validation';

/**
 * `/carriers/:id/test-send`: an admin sends one message through the account and sees the carrier's answer, then the
 * receipt when it arrives (public/js/carrier-test-send.js refreshes the list while one is awaited).
 */
export function carrierTestSendHandlers({ db, carriers }: AppDeps) {
  async function loadAccount(req: Request): Promise<CarrierAccount> {
    const id = parseId(req.params.id);
    const account = id === null ? undefined : await findCarrierAccount(db, id);
    if (!account) throw new HttpError(404, 'errors.notFound');
    return account;
  }

  async function render(res: Response, status: number, account: CarrierAccount, values: Record<string, string>, errors: FieldErrors = {}) {
    res.status(status).render('pages/carriers/test-send', {
      title: res.locals.t('carriers.testSend.title', { name: account.name }),
      account,
      sends: await recentTestSends(db, account.id),
      remark: (code: string | null) => describeCode(code, res.locals.locale),
      textMax: TEST_TEXT_MAX,
      values,
      errors,
      scripts: ['/public/js/carrier-test-send.js'],
    });
  }

  return {
    async form(req: Request, res: Response) {
      await render(res, 200, await loadAccount(req), { phone: '', text: '' });
    },

    async send(req: Request, res: Response) {
      const account = await loadAccount(req);
      const values = { phone: field(req.body, 'phone'), text: field(req.body, 'text') };
      const parsed = parseTestSendForm(req.body);
      if (!parsed.ok) return render(res, 422, account, values, parsed.errors);
      if (!carriers) {
        flash(req, 'carriers.testSend.noSender', {}, 'error');
        return res.redirect(303, `/carriers/${account.id}/test-send`);
      }
      const outcome = await sendTestMessage(db, carriers, account, parsed.value, req.user!.id);
      if (!outcome.ok) flash(req, 'carriers.testSend.down', { name: account.name, reason: outcome.reason }, 'error');
      else flash(req, outcome.accepted ? 'carriers.testSend.accepted' : 'carriers.testSend.refused', { phone: parsed.value.phone }, outcome.accepted ? 'success' : 'error');
      res.redirect(303, `/carriers/${account.id}/test-send`);
    },
  };
}
