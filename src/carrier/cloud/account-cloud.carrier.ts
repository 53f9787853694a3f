/**
 * A cloud account's Carrier, as the dispatcher's carrier set gets it from `cloudCarrierFor` (kinds tencent, aliyun,
 * ucloud). The dispatcher hands over only id, phone and content: this looks up each message's parameters and its
 * task's template and signature, puts the account's provider template on it, and sends through CloudCarrier.
 *
 * It follows the account's row: credentials or settings saved on /carriers (or by CARRIERS_FILE) are picked up within
 * ACCOUNT_RECHECK_MS, with a new client, so a key fixed after "bad credentials" brings the account back without a
 * restart. Credentials this installation's key cannot open leave the carrier unavailable (tasks wait) until then.
 */
import type { Knex } from 'knex';
import type { Carrier, DeliveryReceipt, OutgoingMessage, SubmitResult } from '../carrier';
import type { CloudCarrier, CloudOutgoingMessage, CloudTemplateRef } from './cloud.carrier';
import type { CloudReply } from './cloud-client';
import { messageParams, taskTemplate, type TaskTemplateRow } from '../../queries/cloud-messages.queries';
import { findMapping } from '../../queries/carrier-mappings.queries';
import { findCarrierAccount, type CarrierAccount } from '../../queries/carrier-accounts.queries';

const ACCOUNT_RECHECK_MS = 10_000;
const UNOPENED = 'CLOUD:CREDENTIALS_UNREADABLE';
/** Tasks and mappings remembered at most (a long-running process sends many tasks). */
const REMEMBERED_MAX = 1000;

export class AccountCloudCarrier implements Carrier {
  readonly name: string;
  readonly accountId: number;
  private current: CloudCarrier | null = null;
  private builtFrom = '';
  private checkedAt = 0;
  private unopened: string | null = null;
  private readonly taskTemplates = new Map<string, TaskTemplateRow>();
  private readonly refs = new Map<string, { ref: Omit<CloudTemplateRef, 'params'> | null; at: number }>();

  constructor(
    private readonly db: Knex,
    account: CarrierAccount,
    /** Builds the adapter from the account as stored now; throws when its credentials cannot be opened. */
    private readonly build: (account: CarrierAccount) => CloudCarrier,
    /** `recheckMs`: how often the account is re-read (ACCOUNT_RECHECK_MS; the tests use 0). */
    private readonly options: { recheckMs?: number } = {},
  ) {
    this.name = account.name;
    this.accountId = account.id;
    this.rebuild(account);
  }

  /** The adapter in use (tests, the bench, and replies); null while the credentials cannot be opened. */
  get cloud(): CloudCarrier | null {
    return this.current;
  }

  private rebuild(account: CarrierAccount): void {
    this.builtFrom = JSON.stringify([account.secretsBox, account.settings]);
    try {
      this.current = this.build(account);
      this.unopened = null;
    } catch (err) {
      // Not rethrown: the carrier set builds carriers at start, and one account's unreadable box (the key file was
      // replaced) must not stop the others. This one stays unavailable, saying why, until its credentials are saved.
      this.current = null;
      this.unopened = (err as Error).message;
    }
  }

  /** Re-reads the account at most every ACCOUNT_RECHECK_MS; new credentials or settings make a new adapter. */
  private async followAccount(): Promise<void> {
    if (Date.now() - this.checkedAt < (this.options.recheckMs ?? ACCOUNT_RECHECK_MS)) return;
    this.checkedAt = Date.now();
    const account = await findCarrierAccount(this.db, this.accountId);
    if (!account || JSON.stringify([account.secretsBox, account.settings]) === this.builtFrom) return;
    // Receipts pulled and not yet acknowledged would go with the old adapter: switch once it holds none.
    if (this.current && this.current.bufferedCount() > 0) {
      this.checkedAt = 0;
      return;
    }
    this.rebuild(account);
  }

  available(): boolean {
    return this.current !== null && this.current.available();
  }

  /**
   * The messages with their provider template; one without a mapping goes without (CloudCarrier rejects it). A
   * task's template and signature never change once confirmed, so they are remembered; a mapping is remembered for
   * ACCOUNT_RECHECK_MS, so an admin's edit applies within that and a large task does not ask for it every batch.
   */
  async withTemplates(messages: readonly OutgoingMessage[]): Promise<CloudOutgoingMessage[]> {
    const rows = new Map((await messageParams(this.db, messages.map((m) => m.id))).map((r) => [r.id, r]));
    // One look-up per task of the batch (usually one), then a plain loop: an await per message cost a third of this.
    const refs = new Map<string, Omit<CloudTemplateRef, 'params'> | null>();
    for (const row of rows.values()) if (!refs.has(row.taskId)) refs.set(row.taskId, await this.refForTask(row.taskId));
    return messages.map((m): CloudOutgoingMessage => {
      const row = rows.get(m.id);
      const ref = row ? refs.get(row.taskId) : null;
      if (!row || !ref) return m;
      // Written out rather than spread: this runs for every message sent, and a literal is the cheaper object.
      return { id: m.id, phone: m.phone, content: m.content, cloud: { templateCode: ref.templateCode, signName: ref.signName, paramNames: ref.paramNames, params: row.params } };
    });
  }

  private async refForTask(taskId: string): Promise<Omit<CloudTemplateRef, 'params'> | null> {
    let task = this.taskTemplates.get(taskId);
    if (!task) {
      task = await taskTemplate(this.db, taskId);
      if (!task) return null;
      if (this.taskTemplates.size >= REMEMBERED_MAX) this.taskTemplates.clear();
      this.taskTemplates.set(taskId, task);
    }
    const key = JSON.stringify([task.templateName, task.signatureText]);
    const known = this.refs.get(key);
    if (known && Date.now() - known.at < ACCOUNT_RECHECK_MS) return known.ref;
    const template = await findMapping(this.db, this.accountId, 'template', task.templateName);
    const signature = await findMapping(this.db, this.accountId, 'signature', task.signatureText);
    const ref = template ? { templateCode: template.providerRef, signName: signature?.providerRef ?? task.signatureText, paramNames: template.paramNames ?? undefined } : null;
    if (this.refs.size >= REMEMBERED_MAX) this.refs.clear();
    this.refs.set(key, { ref, at: Date.now() });
    return ref;
  }

  async submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]> {
    await this.followAccount();
    const cloud = this.current;
    if (!cloud) {
      return messages.map((m) => ({ id: m.id, accepted: false, code: UNOPENED, description: `${this.name}: the stored credentials cannot be opened with this installation's key (${this.unopened})`, outcome: 'retry' }));
    }
    return cloud.submitBatch(await this.withTemplates(messages));
  }

  async pullReceipts(limit: number): Promise<DeliveryReceipt[]> {
    await this.followAccount();
    return this.current ? this.current.pullReceipts(limit) : [];
  }

  async ackReceipts(receiptIds: readonly string[]): Promise<void> {
    await this.current?.ackReceipts(receiptIds);
  }

  async pullReplies(): Promise<CloudReply[]> {
    return this.current ? this.current.pullReplies() : [];
  }
}
