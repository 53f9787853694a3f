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
import { type Carrier, type DeliveryReceipt, type OutgoingMessage, type ReceiptSource, type SubmitResult, type UnansweredPolicy } from './carrier';
import type { SmppSettings } from './carrier-account.fields';
import { SendPacer } from './send-pacer';
import { takeTokens } from '../queries/carrier-rate-buckets.queries';
import { SmppInbound } from './smpp-inbound';
import type { IdNormaliser } from './smpp-receipt';
import { SmppSession, type SmppLinkOptions } from './smpp-session';
import { SmppSubmitter } from './smpp-submitter';

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
  private readonly submitter: SmppSubmitter;
  private readonly inbound: SmppInbound;
  private readonly receipts: ReceiptSource;
  private readonly settings: SmppSettings;
  private stopping = false;
  /**
   * The submit_sm fields every message of the account shares. node-smpp writes a C-string field given as a string
   * with Buffer.from(…, 'ascii') in every PDU, and one given as a Buffer as it is: the same bytes, so the account's
   * constant ones are encoded once here (four allocations fewer a submit).
   */
  private readonly accountFields: {
    service_type: Buffer;
    source_addr: Buffer;
    source_addr_ton: number;
    source_addr_npi: number;
    dest_addr_ton: number;
    dest_addr_npi: number;
    schedule_delivery_time: Buffer;
    validity_period: Buffer;
  };

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
    this.inbound = new SmppInbound(db, account.id, idNormaliser(s.receipt_id_format), logger);
    this.receipts = inboxReceipts(db, account.id);
    const none = Buffer.alloc(0);
    this.accountFields = {
      service_type: none,
      source_addr: Buffer.from(s.source_addr, 'ascii'),
      source_addr_ton: s.source_ton,
      source_addr_npi: s.source_npi,
      dest_addr_ton: s.dest_ton,
      dest_addr_npi: s.dest_npi,
      schedule_delivery_time: none,
      validity_period: none,
    };
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
    // The account's tps holds across instances: the pacer takes its submits from the account's shared bucket.
    const pacer = new SendPacer(s.tps, undefined, undefined, (count, perSecond) => takeTokens(db, `smpp:${account.id}`, count, perSecond, count));
    this.submitter = new SmppSubmitter(this.session, pacer, {
      parts: (m) => this.partsOf(m),
      // An account whose receipts' decimal ids are turned to hex gets lower-case hex from smpp-receipt.ts: the
      // submit's id is kept lower-case too, so the two match.
      messageId: (id) => (s.receipt_id_format === 'decimal_to_hex' ? id.toLowerCase() : id),
      resubmitUnanswered: this.unanswered === 'resubmit',
      throttleGiveUpMs: options.throttleGiveUpMs ?? 60_000,
    });
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
    this.submitter.stop();
    this.inbound.stop();
    await this.session.stop(this.options.stopWaitMs ?? 5000);
  }

  submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]> {
    return this.submitter.submitBatch(messages);
  }

  /** The destination as the account's TON expects it: international (1) numbers carry the country code. */
  private destination(phone: string): string {
    return this.settings.dest_ton === 1 && /^1[3-9]\d{9}$/.test(phone) ? `86${phone}` : phone;
  }

  /** The submit_sm fields of each part of a message, in order; an Error when its text cannot be encoded. */
  private partsOf(m: OutgoingMessage): Record<string, unknown>[] | Error {
    let parts: SmppSubmitPart[];
    try {
      parts = buildSubmitParts(m.content, this.settings.long_message_mode === 'message_payload' ? 'payload' : 'udh', m.id & 0xff);
    } catch (err) {
      return err as Error;
    }
    const destination = this.destination(m.phone);
    const a = this.accountFields;
    // A literal, not spreads: V8 builds it with one shape, where spreading objects copied property by property.
    return parts.map((part) => {
      const fields: Record<string, unknown> = {
        service_type: a.service_type,
      source_addr: a.source_addr,
      source_addr_ton: a.source_addr_ton,
      source_addr_npi: a.source_addr_npi,
      destination_addr: destination,
      dest_addr_ton: a.dest_addr_ton,
      dest_addr_npi: a.dest_addr_npi,
      schedule_delivery_time: a.schedule_delivery_time,
      validity_period: a.validity_period,
      registered_delivery: 1,
      data_coding: part.data_coding,
      esm_class: part.esm_class,
        short_message: part.short_message,
      };
      if (part.message_payload) fields.message_payload = part.message_payload;
      return fields;
    });
  }

  pullReceipts(limit: number): Promise<DeliveryReceipt[]> {
    return this.receipts.pullReceipts(limit);
  }

  ackReceipts(receiptIds: readonly string[]): Promise<void> {
    return this.receipts.ackReceipts(receiptIds);
  }
}
