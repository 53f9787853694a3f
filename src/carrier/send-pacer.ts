/**
 * An account's messages-per-second limit, and the pause a throttling SMSC asks for. Every submit takes the next
 * slot (1/tps apart); callers that arrive together get consecutive slots, so the rate holds with a full window.
 * A throttle answer (ESME_RTHROTTLED, ESME_RMSGQFUL) pauses every submit of the account, not only the one refused,
 * and each further one in a row doubles the pause.
 */

/** Waits shorter than this are not slept: a timer costs more than it saves, and the next wait makes up for it. */
const MIN_SLEEP_MS = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes `count` tokens from the account's bucket shared by every instance (carrier_rate_buckets, issue 13) and
 * answers how long to wait before using them (0: at once).
 */
export type SharedTokens = (count: number, perSecond: number) => Promise<number>;

export class SendPacer {
  private nextSlot = 0;
  private pausedUntil = 0;
  private throttles = 0;
  /** Submits already paid for in the shared bucket, not yet made. */
  private allowance = 0;
  private refill: Promise<void> | null = null;

  constructor(
    private readonly perSecond: number,
    private readonly basePauseMs = 100,
    private readonly maxPauseMs = 5000,
    /**
     * With several instances on one database, the account's rate is theirs together: the pacer takes its submits
     * from the shared bucket a tenth of a second's worth at a time (a statement ten times a second at most), and
     * still spaces them 1/tps apart itself.
     */
    private readonly shared?: SharedTokens,
  ) {}

  /** How long the pause a throttle answer asked for still lasts, in ms (0: none). */
  pausedFor(): number {
    return Math.max(0, this.pausedUntil - performance.now());
  }

  /**
   * Takes the next slot, pause or not, and returns its time (on performance.now()'s clock). Synchronous, so a sender
   * pumps its queue with no promise per submit (smpp-submitter.ts); it asks `pausedFor` first.
   */
  takeSlot(): number {
    const slot = Math.max(this.nextSlot, performance.now());
    this.nextSlot = slot + 1000 / this.perSecond;
    return slot;
  }

  /** The ms to wait before a slot taken with `takeSlot` is due; 0 when it is due, or so nearly that a timer costs more. */
  waitFor(slot: number): number {
    const wait = slot - performance.now();
    return wait >= MIN_SLEEP_MS ? wait : 0;
  }

  /** The tokens a trip to the shared bucket takes: a tenth of a second's worth, at least one. */
  get sharedChunk(): number {
    return Math.max(1, Math.ceil(this.perSecond / 10));
  }

  /**
   * Uses one submit paid for in the shared bucket, if one is at hand (always, without a shared bucket). When it
   * answers false the caller waits for `refillShared` and asks again. Synchronous, like `takeSlot`, so the common
   * case (tokens at hand) costs no promise.
   */
  takeShared(): boolean {
    if (!this.shared) return true;
    if (this.allowance <= 0) return false;
    this.allowance -= 1;
    return true;
  }

  /** Pays for the next tenth of a second's submits in the shared bucket, waiting as long as it says. Callers at once share one trip. */
  refillShared(): Promise<void> {
    const shared = this.shared;
    if (!shared) return Promise.resolve();
    this.refill ??= (async () => {
      const chunk = this.sharedChunk;
      try {
        const wait = await shared(chunk, this.perSecond);
        if (wait >= MIN_SLEEP_MS) await sleep(wait);
      } catch {
        // The database did not answer: this instance's own pacing (takeSlot) still holds the account's rate here.
      }
      this.allowance += chunk;
    })().finally(() => (this.refill = null));
    return this.refill;
  }

  /** The SMSC said "too fast": returns the pause now in force. */
  throttled(): number {
    this.throttles += 1;
    const pause = Math.min(this.maxPauseMs, this.basePauseMs * 2 ** Math.min(10, this.throttles - 1));
    this.pausedUntil = Math.max(this.pausedUntil, performance.now() + pause * (0.75 + Math.random() * 0.5));
    return pause;
  }

  /** A submit went through: the next throttle starts from the shortest pause again. */
  accepted(): void {
    this.throttles = 0;
  }
}
