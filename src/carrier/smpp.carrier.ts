/**
 * The SMPP 3.4 connector for one carrier account: messages become submit_sm parts (`smpp-parts.ts`), sent through
 * the account's session (`smpp-session.ts`) within its window and messages-per-second limit; deliver_sm is handled
 * by `smpp-inbound.ts`. SMPP has no idempotency key, so a submit written whose answer never came ends `unknown`
 * (never sent twice) unless the account chose at-least-once (`resubmit_unanswered`).
 */
import type { Knex } from 'knex';
import type { Logger } from '../log';
import type { CarrierAccount } from '../queries/carrier-accounts.queries';
import { setCarrierAccountState } from '../queries/carrier-accounts.queries';
import { markInboxReceiptsApplied, unappliedInboxReceipts } from '../queries/carrier-receipt-inbox.queries';
import { buildSubmitParts, type SmppSubmitPart } from '../sms/smpp-parts';
import { SUBMIT_UNKNOWN, type Carrier, type DeliveryReceipt, type OutgoingMessage, type ReceiptSource, type SubmitResult, type UnansweredPolicy } from './carrier';
import type { SmppSettings } from './carrier-account.fields';
import { classifySmppStatus } from './smpp-errors';
import { SendPacer } from './send-pacer';
import { takeTokens } from '../queries/carrier-rate-buckets.queries';
import { SmppInbound } from './smpp-inbound';
import { normaliseMessageId, type IdNormaliser } from './smpp-receipt';
import { SmppSession, SubmitUnanswered, type SmppLinkOptions } from './smpp-session';

export interface SmppCarrierOptions {
  /** Reconnect back-off and response timeout, shortened by the tests. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  responseTimeoutMs?: number;
  /** How long throttle answers may keep one part waiting before it goes back to the dispatcher (unsent, retried later). */
  throttleGiveUpMs?: number;
  /** How long a graceful stop waits for outstanding answers. */
  stopWaitMs?: number;
  /** Certificates to trust besides the system's for TLS links (the tests' own SMSC). */
  tlsCa?: Buffer;
}

type PartResult =
  | { kind: 'ok'; id: string }
  | { kind: 'rejected'; code: string; description: string }
  | { kind: 'retry'; code: string; description: string }
  | { kind: 'unanswered'; written: boolean; reason: string };

const TEMPORARY_TRIES = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The form settings spell the id normalisers with underscores; smpp-receipt.ts with dashes. */
function idNormaliser(setting: SmppSettings['receipt_id_format']): IdNormaliser {
  return setting === 'hex_to_decimal' ? 'hex-to-decimal' : setting === 'decimal_to_hex' ? 'decimal-to-hex' : 'as-is';
}

/** Receipts are the inbox rows of one account (or of every account: `inboxReceipts(db)`), handed to the dispatcher. */
export function inboxReceipts(db: Knex, accountId?: number): ReceiptSource {
  return {
    async pullReceipts(limit: number): Promise<DeliveryReceipt[]> {
      return (await unappliedInboxReceipts(db, limit, accountId)).map((r) => ({
        receiptId: String(r.id),
        carrierMessageId: r.carrierMessageId,
        delivered: r.outcome === 'delivered',
        code: r.code,
        description: r.description,
        reportedAt: new Date(r.receivedAt),
      }));
    },
    async ackReceipts(receiptIds: readonly string[]): Promise<void> {
      await markInboxReceiptsApplied(db, receiptIds.map(Number), new Date().toISOString());
    },
  };
}

export class SmppCarrier implements Carrier {
  readonly name: string;
  readonly unanswered: UnansweredPolicy;
  readonly selfTimed = true;
  readonly pipelined = true;
  private readonly session: SmppSession;
  private readonly pacer: SendPacer;
  private readonly inbound: SmppInbound;
  private readonly receipts: ReceiptSource;
  private readonly settings: SmppSettings;
  private stopping = false;

  constructor(
    db: Knex,
    readonly account: CarrierAccount,
    password: string,
    private readonly logger: Logger,
    private readonly options: SmppCarrierOptions = {},
  ) {
    this.settings = account.settings as SmppSettings;
    const s = this.settings;
    this.name = account.name;
    this.unanswered = s.resubmit_unanswered ? 'resubmit' : 'unknown';
    // The account's tps holds across instances: the pacer takes its submits from the account's shared bucket.
    this.pacer = new SendPacer(s.tps, undefined, undefined, (count, perSecond) => takeTokens(db, `smpp:${account.id}`, count, perSecond, count));
    this.inbound = new SmppInbound(db, account.id, idNormaliser(s.receipt_id_format), logger);
    this.receipts = inboxReceipts(db, account.id);
    const link: SmppLinkOptions = {
      host: s.host,
      port: s.port,
      tls: s.tls,
      systemId: s.system_id,
      password,
      systemType: s.system_type,
      bindMode: s.bind_mode,
      window: s.window,
      enquireLinkSeconds: s.enquire_link_seconds,
      minBackoffMs: options.minBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      responseTimeoutMs: options.responseTimeoutMs,
      tlsCa: options.tlsCa,
    };
    this.session = new SmppSession(
      link,
      (change) => {
        // A stopped connector (its account edited, or the process stopping) no longer speaks for the account: the
        // one built in its place writes the state.
        if (this.stopping) return;
        if (change.state === 'down' && change.lastError !== 'stopped') logger.warn('SMPP account down', { account: account.name, error: change.lastError });
        else logger.info('SMPP account state', { account: account.name, state: change.state });
        setCarrierAccountState(db, account.id, change.state, change.lastError).catch((err) =>
          logger.error('SMPP account state not saved', { account: account.name, error: (err as Error).message }),
        );
      },
      (pdu, answer) => this.inbound.handle(pdu, answer),
    );
  }

  start(): this {
    this.session.start();
    return this;
  }

  available(): boolean {
    return this.session.up && !this.stopping;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.inbound.stop();
    await this.session.stop(this.options.stopWaitMs ?? 5000);
  }

  submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]> {
    return Promise.all(messages.map((m) => this.submitMessage(m)));
  }

  /** The destination as the account's TON expects it: international (1) numbers carry the country code. */
  private destination(phone: string): string {
    return this.settings.dest_ton === 1 && /^1[3-9]\d{9}$/.test(phone) ? `86${phone}` : phone;
  }

  /**
   * One message, its parts in order (each waits for the answer of the one before, so the SMSC gets them in
   * sequence). Any part refused refuses the message with that part's code; an answer lost after a part was
   * accepted makes it unknown, since resending would repeat what the handset already has.
   */
  private async submitMessage(m: OutgoingMessage): Promise<SubmitResult> {
    let parts: SmppSubmitPart[];
    try {
      parts = buildSubmitParts(m.content, this.settings.long_message_mode === 'message_payload' ? 'payload' : 'udh', m.id & 0xff);
    } catch (err) {
      return { id: m.id, accepted: false, code: 'INVALID_TEXT', description: (err as Error).message, outcome: 'rejected' };
    }
    const s = this.settings;
    const ids: string[] = [];
    for (const part of parts) {
      const fields = {
        source_addr: s.source_addr,
        source_addr_ton: s.source_ton,
        source_addr_npi: s.source_npi,
        destination_addr: this.destination(m.phone),
        dest_addr_ton: s.dest_ton,
        dest_addr_npi: s.dest_npi,
        registered_delivery: 1,
        ...part,
      };
      const r = await this.submitPart(fields);
      if (r.kind === 'ok') {
        ids.push(r.id);
        continue;
      }
      if (r.kind === 'rejected') return { id: m.id, accepted: false, code: r.code, description: r.description, outcome: 'rejected' };
      const nothingTaken = ids.length === 0 && (r.kind === 'retry' || !r.written);
      if (nothingTaken || this.unanswered === 'resubmit') {
        const code = r.kind === 'retry' ? r.code : 'NOT_SENT';
        return { id: m.id, accepted: false, code, description: r.kind === 'retry' ? r.description : r.reason, outcome: 'retry' };
      }
      const reason = r.kind === 'retry' ? `part ${ids.length + 1} of ${parts.length} refused (${r.code}) after earlier parts were accepted` : r.reason;
      return { id: m.id, accepted: false, code: SUBMIT_UNKNOWN, description: reason, outcome: 'unknown' };
    }
    return { id: m.id, accepted: true, carrierMessageId: ids[0], partIds: ids.length > 1 ? ids : undefined };
  }

  /** One submit_sm: throttling waits and retries (never a failure); temporary statuses are retried a few times. */
  private async submitPart(fields: Record<string, unknown>): Promise<PartResult> {
    const throttleGiveUpAt = Date.now() + (this.options.throttleGiveUpMs ?? 60_000);
    let temporaryTries = 0;
    for (;;) {
      await this.pacer.take();
      if (this.stopping) return { kind: 'unanswered', written: false, reason: 'the connector is stopping' };
      let status: number;
      let messageId: unknown;
      try {
        const resp = await this.session.submit(fields);
        status = resp.command_status;
        messageId = resp.message_id;
      } catch (err) {
        if (err instanceof SubmitUnanswered) return { kind: 'unanswered', written: err.written, reason: err.message };
        throw err;
      }
      const verdict = classifySmppStatus(status);
      if (verdict.kind === 'ok') {
        this.pacer.accepted();
        const id = normaliseMessageId(String(messageId ?? ''), 'as-is');
        if (id) return { kind: 'ok', id: this.settings.receipt_id_format === 'decimal_to_hex' ? id.toLowerCase() : id };
        return { kind: 'rejected', code: 'NO_MESSAGE_ID', description: 'the SMSC accepted the part without a message id' };
      }
      const description = verdict.name ?? 'SMSC status';
      if (verdict.kind === 'throttle') {
        this.pacer.throttled();
        if (Date.now() < throttleGiveUpAt) continue;
        return { kind: 'retry', code: verdict.code, description };
      }
      if (verdict.kind === 'temporary') {
        temporaryTries += 1;
        if (temporaryTries < TEMPORARY_TRIES) {
          await sleep(200 * 2 ** temporaryTries);
          continue;
        }
        return { kind: 'retry', code: verdict.code, description };
      }
      return { kind: 'rejected', code: verdict.code, description };
    }
  }

  pullReceipts(limit: number): Promise<DeliveryReceipt[]> {
    return this.receipts.pullReceipts(limit);
  }

  ackReceipts(receiptIds: readonly string[]): Promise<void> {
    return this.receipts.ackReceipts(receiptIds);
  }
}
