import type { Knex } from 'knex';
import type { Logger } from '../log';
import type { Carrier, CarrierSet, ReceiptSource } from '../carrier/carrier';
import { carrierFactory, pullsOwnReceipts, registerCarrierKind, type CarrierContext } from '../carrier/carrier-registry';
import { CLOUD_PROVIDERS } from '../carrier/cloud/cloud-codes';
import { cloudCarrierFor } from './cloud-carriers.service';
import { inboxReceipts } from '../carrier/smpp.carrier';
import { listCarrierAccounts, setCarrierAccountState, type CarrierAccount } from '../queries/carrier-accounts.queries';
import { findRoute } from '../queries/carrier-routes.queries';
import { taskCarrierAccount } from '../queries/dispatch-carrier.queries';

// Issue 11: the cloud SMS kinds (Tencent, Alibaba, UCloud); their receipts are pulled from each account's API.
for (const kind of CLOUD_PROVIDERS) registerCarrierKind(kind, (account, context) => cloudCarrierFor(context.db, account, context.secretKey), { ownReceipts: true });

interface Entry {
  /** What the carrier was built from: a change of settings, secrets or enabled rebuilds it. */
  stamp: string;
  kind: string;
  carrier: Carrier | null;
}

const stampOf = (a: CarrierAccount) => `${a.kind}|${a.updatedAt}|${a.enabled}`;

/**
 * The carriers of the enabled accounts, kept in line with the carrier_accounts table: `refresh` (every dispatcher
 * step, about once a second) builds the carrier of an account created or edited at run time, from the form or from
 * CARRIERS_FILE, and stops the one of an account disabled or deleted, so no restart is needed. A task goes through
 * the account it was frozen to at confirm, or its SMS type's fallback while that one is down.
 */
export class CarrierPool implements CarrierSet {
  private entries = new Map<number, Entry>();
  private readonly inbox: ReceiptSource;

  constructor(
    private readonly db: Knex,
    private readonly context: CarrierContext,
    private readonly logger: Logger,
  ) {
    this.inbox = inboxReceipts(db);
  }

  private refreshing: Promise<void> | null = null;

  /** Calls that overlap (the dispatcher, a test send) share one look at the table. */
  refresh(): Promise<void> {
    if (!this.refreshing) this.refreshing = this.sync().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async sync(): Promise<void> {
    const accounts = await listCarrierAccounts(this.db);
    const seen = new Set<number>();
    for (const account of accounts) {
      if (!account.enabled) continue;
      seen.add(account.id);
      const entry = this.entries.get(account.id);
      if (entry && entry.stamp === stampOf(account)) continue;
      if (entry?.carrier) this.retire(entry.carrier);
      this.entries.set(account.id, { stamp: stampOf(account), kind: account.kind, carrier: await this.build(account) });
    }
    for (const [id, entry] of this.entries) {
      if (seen.has(id)) continue;
      this.entries.delete(id);
      if (!entry.carrier || entry.carrier === this.context.stub) continue;
      this.retire(entry.carrier);
      // Disabled (or deleted: then this changes nothing): its link is closed, and no connector speaks for it any more.
      await setCarrierAccountState(this.db, id, 'down', null);
    }
  }

  private async build(account: CarrierAccount): Promise<Carrier | null> {
    const factory = carrierFactory(account.kind);
    if (!factory) {
      this.logger.warn('no carrier for this kind of account; its tasks wait', { account: account.name, kind: account.kind });
      return null;
    }
    try {
      return factory(account, this.context);
    } catch (err) {
      const message = (err as Error).message;
      this.logger.error('carrier account cannot start', { account: account.name, error: message });
      await setCarrierAccountState(this.db, account.id, 'down', message);
      return null;
    }
  }

  /** An account edited or disabled: its old link finishes what it has in flight (bounded), then unbinds. */
  private retire(carrier: Carrier): void {
    if (carrier === this.context.stub) return;
    carrier.stop?.().catch((err) => this.logger.error('carrier stop failed', { carrier: carrier.name, error: (err as Error).message }));
  }

  private up(accountId: number | null | undefined): Carrier | null {
    if (accountId === null || accountId === undefined) return null;
    const carrier = this.entries.get(accountId)?.carrier ?? null;
    return carrier && carrier.available?.() !== false ? carrier : null;
  }

  async forTask(taskId: string): Promise<Carrier | null> {
    if (this.entries.size === 0) await this.refresh();
    const task = await taskCarrierAccount(this.db, taskId);
    if (!task) return null;
    const route = await findRoute(this.db, task.smsType);
    // Tasks confirmed before routing existed have no account: their type's route now, or the simulator.
    const primary = task.accountId ?? route?.primaryAccountId ?? null;
    if (primary === null) return this.context.stub;
    const fallback = route?.fallbackAccountId !== primary ? route?.fallbackAccountId : null;
    return this.up(primary) ?? this.up(fallback);
  }

  receiptSources(): readonly ReceiptSource[] {
    const own = [...this.entries.values()].filter((e) => e.carrier !== null && pullsOwnReceipts(e.kind)).map((e) => e.carrier as Carrier);
    return [this.context.stub, this.inbox, ...own];
  }

  /** The carrier of one account, up or not (the /carriers test send). */
  carrierOf(accountId: number): Carrier | null {
    return this.entries.get(accountId)?.carrier ?? null;
  }

  async stop(): Promise<void> {
    const carriers = [...this.entries.values()].map((e) => e.carrier).filter((c): c is Carrier => c !== null && c !== this.context.stub);
    this.entries.clear();
    await Promise.all(carriers.map((c) => c.stop?.()));
  }
}
