/**
 * What an SMPP account does with a deliver_sm: a receipt is committed to the receipt inbox, a reply from a handset
 * (MO) to inbound_messages through `recordInboundMessage`, and only then is the deliver_sm_resp sent. A crash before
 * the commit leaves the deliver_sm unanswered, so the SMSC sends it again; a repeat is stored once. When the commit
 * fails the answer is a temporary error (ESME_RX_T_APPN), which also makes the SMSC send it again later.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { PDU } from 'smpp';
import type { Logger } from '../log';
import { insertInboxReceipts, type InboxReceiptWrite } from '../queries/carrier-receipt-inbox.queries';
import { recordInboundMessage } from '../services/inbound-messages.service';
import { joinMoParts, moConcatKey, readDeliverSm, type IdNormaliser, type SmppMo } from './smpp-receipt';

const ESME_ROK = 0;
const ESME_RX_T_APPN = 0x64;
/** The parts of a long reply are held (unanswered) this long at most; then what came is stored as it is. */
const MO_PARTS_WAIT_MS = 20_000;

type Answer = (status: number) => void;

interface MoGroup {
  parts: SmppMo[];
  answers: Answer[];
  timer: NodeJS.Timeout;
}

/** A mainland number as the SMSC writes it (86…, +86…) becomes the 11 digits the rest of Qunfa keys numbers by. */
export function localPhone(address: string): string {
  const match = /^(?:\+|00)?86(1[3-9]\d{9})$/.exec(address.trim());
  return match ? match[1] : address.trim();
}

export class SmppInbound {
  private pending: { write: InboxReceiptWrite; answer: Answer }[] = [];
  private flushing: Promise<void> | null = null;
  private moGroups = new Map<string, MoGroup>();

  constructor(
    private readonly db: Knex,
    private readonly accountId: number,
    private readonly normaliser: IdNormaliser,
    private readonly logger: Logger,
  ) {}

  handle(pdu: PDU, answer: Answer): void {
    const meaning = readDeliverSm(pdu as unknown as Record<string, unknown>, this.normaliser);
    const receivedAt = new Date().toISOString();
    if (meaning.kind === 'mo') {
      void this.onMo(meaning, answer, receivedAt);
      return;
    }
    if (meaning.kind === 'unparseable') {
      this.logger.warn('unparseable SMPP receipt stored and answered', { account: this.accountId, reason: meaning.reason, text: meaning.text.slice(0, 200) });
      const digest = crypto.createHash('sha1').update(meaning.text).digest('hex').slice(0, 16);
      this.queue({ accountId: this.accountId, carrierMessageId: `unparseable:${digest}`, outcome: 'unparseable', code: meaning.reason, description: meaning.text.slice(0, 1000), receivedAt }, answer);
      return;
    }
    // ACCEPTD / ENROUTE: not final; the final receipt follows.
    if (meaning.outcome === 'pending') {
      answer(ESME_ROK);
      return;
    }
    const description = meaning.remark || (meaning.outcome === 'delivered' ? 'delivered' : `failed: ${meaning.code}`);
    this.queue({ accountId: this.accountId, carrierMessageId: meaning.carrierMessageId, outcome: meaning.outcome, code: meaning.code, description, receivedAt }, answer);
  }

  /** Receipts that arrive together are committed in one statement, then answered. */
  private queue(write: InboxReceiptWrite, answer: Answer): void {
    this.pending.push({ write, answer });
    if (!this.flushing) this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const items = this.pending;
      this.pending = [];
      let status = ESME_ROK;
      try {
        await insertInboxReceipts(this.db, items.map((i) => i.write));
      } catch (err) {
        status = ESME_RX_T_APPN;
        this.logger.error('SMPP receipts not stored; answered with a temporary error so the SMSC resends them', { account: this.accountId, count: items.length, error: (err as Error).message });
      }
      for (const item of items) item.answer(status);
    }
    this.flushing = null;
  }

  private async onMo(mo: SmppMo, answer: Answer, receivedAt: string): Promise<void> {
    const key = moConcatKey(mo);
    if (key === null) {
      await this.storeMo(mo, mo.text, [answer], receivedAt);
      return;
    }
    let group = this.moGroups.get(key);
    if (!group) {
      const timer = setTimeout(() => void this.finishGroup(key, receivedAt), MO_PARTS_WAIT_MS);
      timer.unref();
      group = { parts: [], answers: [], timer };
      this.moGroups.set(key, group);
    }
    group.parts.push(mo);
    group.answers.push(answer);
    if (joinMoParts(group.parts).complete) await this.finishGroup(key, receivedAt);
  }

  /** Stores a long reply once every part came (or the wait ran out: the parts that came, in order), then answers them all. */
  private async finishGroup(key: string, receivedAt: string): Promise<void> {
    const group = this.moGroups.get(key);
    if (!group) return;
    this.moGroups.delete(key);
    clearTimeout(group.timer);
    const joined = joinMoParts(group.parts);
    const text = joined.complete
      ? joined.text
      : [...group.parts].sort((a, b) => (a.concat?.sequence ?? 0) - (b.concat?.sequence ?? 0)).map((p) => p.text).join('');
    await this.storeMo(group.parts[0], text, group.answers, receivedAt);
  }

  private async storeMo(mo: SmppMo, text: string, answers: Answer[], receivedAt: string): Promise<void> {
    let status = ESME_ROK;
    try {
      await recordInboundMessage(this.db, { accountId: this.accountId, phone: localPhone(mo.from), text, receivedAt });
    } catch (err) {
      status = ESME_RX_T_APPN;
      this.logger.error('SMPP reply not stored; answered with a temporary error so the SMSC resends it', { account: this.accountId, error: (err as Error).message });
    }
    for (const answer of answers) answer(status);
  }

  /** Parts of long replies still waiting are dropped unanswered: the SMSC sends them again to the next session. */
  stop(): void {
    for (const group of this.moGroups.values()) clearTimeout(group.timer);
    this.moGroups.clear();
  }
}
