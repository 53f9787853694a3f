/**
 * An account's messages-per-second limit, and the pause a throttling SMSC asks for. Every submit takes the next
 * slot (1/tps apart); callers that arrive together get consecutive slots, so the rate holds with a full window.
 * A throttle answer (ESME_RTHROTTLED, ESME_RMSGQFUL) pauses every submit of the account, not only the one refused,
 * and each further one in a row doubles the pause.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits shorter than this are not slept: a timer costs more than it saves, and the next wait makes up for it. */
const MIN_SLEEP_MS = 2;

export class SendPacer {
  private nextSlot = 0;
  private pausedUntil = 0;
  private throttles = 0;

  constructor(
    private readonly perSecond: number,
    private readonly basePauseMs = 100,
    private readonly maxPauseMs = 5000,
  ) {}

  async take(): Promise<void> {
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
