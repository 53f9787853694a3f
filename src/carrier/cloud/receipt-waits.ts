/**
 * The messages a cloud account must still ask its provider about (Alibaba's QuerySendDetails per message, UCloud's
 * GetUSMSSendReceipt per SessionNo): nothing tells us their receipt otherwise. A restart must not forget them, so the
 * accounts' carriers keep them in the database (cloud-receipt-waits.service.ts); the in-memory list below serves the
 * adapter tests and the bench, where nothing restarts.
 */
import type { SentRef } from './cloud-client';

export interface ReceiptWaits {
  add(sent: readonly SentRef[]): Promise<void>;
  /**
   * Up to `limit` waiting messages, those asked about longest ago (or never) first; they count as asked now, so the
   * next call goes on with the others and a large send is asked about in turn rather than its first part forever.
   */
  nextToAsk(limit: number): Promise<SentRef[]>;
  /** True while any message waits (no provider call is made for a provider asked per message when none does). */
  any(): Promise<boolean>;
  /** Their receipt was applied (and acknowledged): no more asking. */
  remove(refs: readonly string[]): Promise<void>;
}

export class MemoryReceiptWaits implements ReceiptWaits {
  private readonly waiting = new Map<string, SentRef>();

  async add(sent: readonly SentRef[]): Promise<void> {
    for (const s of sent) this.waiting.set(s.ref, s);
  }

  async nextToAsk(limit: number): Promise<SentRef[]> {
    const asked = [...this.waiting.values()].slice(0, limit);
    // A Map keeps insertion order: re-inserting sends the ones asked to the back of the line.
    for (const sent of asked) {
      this.waiting.delete(sent.ref);
      this.waiting.set(sent.ref, sent);
    }
    return asked;
  }

  async any(): Promise<boolean> {
    return this.waiting.size > 0;
  }

  async remove(refs: readonly string[]): Promise<void> {
    for (const ref of refs) this.waiting.delete(ref);
  }

  get size(): number {
    return this.waiting.size;
  }
}
