/**
 * An account's messages-per-second limit, and the pause a throttling SMSC asks for. Every submit takes the next
 * slot (1/tps apart); callers that arrive together get consecutive slots, so the rate holds with a full window.
 * A throttle answer (ESME_RTHROTTLED, ESME_RMSGQFUL) pauses every submit of the account, not only the one refused,
 * and each further one in a row doubles the pause.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits shorter than this are not slept: a timer costs more than it saves, and the next wait makes up for it. */
const MIN_SLEEP_MS = 2;

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

  /** The tokens a trip to the shared bucket takes: a tenth of a second's worth, at least one. */
  get sharedChunk(): number {
    return Math.max(1, Math.ceil(this.perSecond / 10));
  }

  /** Waits until a submit paid for in the shared bucket is available, and uses it. Submits at once share one trip. */
  private async fromShared(shared: SharedTokens): Promise<void> {
    while (this.allowance <= 0) {
      this.refill ??= (async () => {
        const chunk = this.sharedChunk;
        try {
          const wait = await shared(chunk, this.perSecond);
          if (wait >= MIN_SLEEP_MS) await sleep(wait);
        } catch {
          // The database did not answer: this instance's own pacing below still holds the account's rate here.
        }
        this.allowance += chunk;
      })().finally(() => (this.refill = null));
      await this.refill;
    }
    this.allowance -= 1;
  }

  async take(): Promise<void> {
    if (this.shared) await this.fromShared(this.shared);
    for (;;) {
      const now = performance.now();
      if (this.pausedUntil > now) {
        await sleep(this.pausedUntil - now);
        continue;
      }
      this.nextSlot = Math.max(this.nextSlot, now) + 1000 / this.perSecond;
      const wait = this.nextSlot - 1000 / this.perSecond - now;
      if (wait >= MIN_SLEEP_MS) await sleep(wait);
      return;
    }
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
