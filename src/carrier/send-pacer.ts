/**
 * An account's messages-per-second limit, and the pause a throttling SMSC asks for. Every submit takes the next
 * slot (1/tps apart); callers that arrive together get consecutive slots, so the rate holds with a full window.
 * A throttle answer (ESME_RTHROTTLED, ESME_RMSGQFUL) pauses every submit of the account, not only the one refused,
 * and each further one in a row doubles the pause.
 */

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
