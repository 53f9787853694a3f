import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { CarrierTemporaryError, type Carrier, type DeliveryReceipt, type OutgoingMessage, type SubmitResult } from './carrier';
import { dueReports, markReported, recordAccepted } from '../queries/stub-ledger.queries';

export interface StubCarrierSettings {
  /** Receipt delay range after acceptance. */
  delayMinMs: number;
  delayMaxMs: number;
  /** Share (0–1) of messages whose receipt fails with each code; the rest are DELIVRD. */
  failureMix: Record<string, number>;
  /** Messages per second the stub accepts; beyond it a batch gets a temporary THROTTLED error (0 = no limit). */
  throughputPerSecond: number;
  /** Share of batches answered with a temporary error before anything is accepted. */
  errorRate: number;
  /** Share of batches accepted but whose answer is lost (a timeout after the carrier recorded them). */
  timeoutRate: number;
}

export const DEFAULT_STUB_SETTINGS: StubCarrierSettings = {
  delayMinMs: 1000,
  delayMaxMs: 5000,
  failureMix: { UNDELIV: 0.02, EXPIRED: 0.01 },
  throughputPerSecond: 0,
  errorRate: 0,
  timeoutRate: 0,
};

/**
 * Numbers whose last four digits pick a fixed outcome, so tests and demos can predict results
 * (documented in the README). Rejections happen at submit; the others arrive as receipts.
 */
export const DETERMINISTIC_OUTCOMES: Record<string, { atSubmit: boolean; code: string; description: string }> = {
  '0000': { atSubmit: false, code: 'DELIVRD', description: 'delivered' },
  '0001': { atSubmit: false, code: 'UNDELIV', description: 'undeliverable' },
  '0002': { atSubmit: true, code: 'REJECTD', description: 'rejected by the carrier' },
  '0003': { atSubmit: false, code: 'EXPIRED', description: 'expired' },
  '0004': { atSubmit: false, code: 'BLACK', description: 'number on a blacklist' },
  '0005': { atSubmit: true, code: 'KEYWORD', description: 'content blocked by a keyword' },
  '0006': { atSubmit: false, code: 'MK:0001', description: 'gateway error MK:0001' },
};

/** A stable number in [0, 1) from a key, so the failure mix gives the same outcome for the same message. */
function unitHash(key: string, salt: string): number {
  return crypto.createHash('sha1').update(salt + key).digest().readUInt32BE(0) / 2 ** 32;
}

function plannedCode(message: OutgoingMessage, mix: Record<string, number>): string {
  const fixed = DETERMINISTIC_OUTCOMES[message.phone.slice(-4)];
  if (fixed) return fixed.code;
  const shares = Object.entries(mix);
  if (shares.length === 0) return 'DELIVRD'; // no mix: the hash below could pick nothing else
  let u = unitHash(String(message.id), 'outcome');
  for (const [code, share] of shares) {
    if (u < share) return code;
    u -= share;
  }
  return 'DELIVRD';
}

export class StubCarrier implements Carrier {
  readonly name = 'stub';
  private windowStart = 0;
  private windowCount = 0;

  constructor(
    private readonly db: Knex,
    private readonly settings: () => Promise<StubCarrierSettings>,
    private readonly random: () => number = Math.random,
  ) {}

  private throttle(count: number, limit: number): void {
    if (limit <= 0) return;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    if (this.windowCount + count > limit && this.windowCount > 0) throw new CarrierTemporaryError('throughput limit exceeded', 'THROTTLED');
    this.windowCount += count;
  }

  async submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]> {
    const s = await this.settings();
    if (this.random() < s.errorRate) throw new CarrierTemporaryError('simulated carrier error (503)', 'MI:0503');
    this.throttle(messages.length, s.throughputPerSecond);
    const now = Date.now();
    const results: SubmitResult[] = [];
    const accepted = [];
    const spread = Math.max(0, s.delayMaxMs - s.delayMinMs);
    // 8 random bytes a carrier id, drawn for the whole batch at once.
    const random = crypto.randomBytes(8 * messages.length).toString('hex');
    for (const [i, m] of messages.entries()) {
      const fixed = DETERMINISTIC_OUTCOMES[m.phone.slice(-4)];
      if (fixed?.atSubmit) {
        results.push({ id: m.id, accepted: false, code: fixed.code, description: fixed.description });
        continue;
      }
      // A fixed delay (min = max) needs no hash: it would be multiplied by 0.
      const delay = s.delayMinMs + (spread > 0 ? unitHash(String(m.id), 'delay') * spread : 0);
      accepted.push({
        idempotencyKey: String(m.id),
        carrierMessageId: 'stub-' + random.slice(16 * i, 16 * i + 16),
        phone: m.phone,
        content: m.content,
        outcomeCode: plannedCode(m, s.failureMix),
        reportAt: new Date(now + delay).toISOString(),
      });
    }
    const ids = await recordAccepted(this.db, accepted, new Date(now).toISOString());
    // The carrier has the messages now; losing the answer is exactly the case idempotency keys exist for.
    if (this.random() < s.timeoutRate) throw new CarrierTemporaryError('simulated timeout after acceptance', 'TIMEOUT');
    for (const a of accepted) results.push({ id: Number(a.idempotencyKey), accepted: true, carrierMessageId: ids.get(a.idempotencyKey)! });
    return results;
  }

  async pullReceipts(limit: number): Promise<DeliveryReceipt[]> {
    const due = await dueReports(this.db, new Date().toISOString(), limit);
    return due.map((d) => ({
      receiptId: String(d.id),
      carrierMessageId: d.carrierMessageId,
      delivered: d.outcomeCode === 'DELIVRD',
      code: d.outcomeCode,
      description: d.outcomeCode === 'DELIVRD' ? 'delivered' : `failed: ${d.outcomeCode}`,
      reportedAt: new Date(d.reportAt),
    }));
  }

  async ackReceipts(receiptIds: readonly string[]): Promise<void> {
    await markReported(this.db, receiptIds.map(Number), new Date().toISOString());
  }
}
