/**
 * The process-wide cap on import worker threads (issue 9, section 5: ten parallel imports of a padded workbook once
 * took 1.9 GB). At most `workers` imports run at once; the next ones wait in a first-come, first-served queue of
 * bounded length, hearing how many are ahead of them; beyond it an import is refused as `busy` at once, so a burst
 * costs a short queue of files on disk rather than threads and memory.
 */
export type GateOutcome<T> = { ok: true; value: T } | { ok: false; reason: 'busy' | 'aborted' };

export interface GateOptions {
  /** Told the number of imports ahead while waiting (0: next in line); not called when a slot is free at once. */
  onWaiting?: (ahead: number) => void;
  /** A waiting import whose request has gone is dropped from the queue instead of run for nobody. */
  signal?: AbortSignal;
}

interface Waiter {
  start: () => void;
  onWaiting?: (ahead: number) => void;
}

export const DEFAULT_IMPORT_WORKERS = 2;
export const DEFAULT_IMPORT_QUEUE = 8;
/** Seconds an import (or API create) refused as busy is told to wait (Retry-After): about one 100,000-row import's time. */
export const BUSY_RETRY_AFTER_S = 5;

export class ImportGate {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly workers = DEFAULT_IMPORT_WORKERS,
    readonly queueLength = DEFAULT_IMPORT_QUEUE,
  ) {}

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  async run<T>(job: () => Promise<T>, options: GateOptions = {}): Promise<GateOutcome<T>> {
    if (options.signal?.aborted) return { ok: false, reason: 'aborted' };
    if (this.running >= this.workers) {
      if (this.queue.length >= this.queueLength) return { ok: false, reason: 'busy' };
      const admitted = await this.wait(options);
      if (!admitted) return { ok: false, reason: 'aborted' };
    } else {
      this.running += 1;
    }
    try {
      return { ok: true, value: await job() };
    } finally {
      this.release();
    }
  }

  /** Resolves true once this import holds a slot (the releasing import hands its slot over), false if aborted. */
  private wait(options: GateOptions): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter: Waiter = { start: () => resolve(true), onWaiting: options.onWaiting };
      this.queue.push(waiter);
      options.onWaiting?.(this.queue.length - 1);
      options.signal?.addEventListener(
        'abort',
        () => {
          const at = this.queue.indexOf(waiter);
          if (at === -1) return;
          this.queue.splice(at, 1);
          this.tellPositions(at);
          resolve(false);
        },
        { once: true },
      );
    });
  }

  private release(): void {
    const next = this.queue.shift();
    if (!next) {
      this.running -= 1;
      return;
    }
    next.start();
    this.tellPositions(0);
  }

  private tellPositions(from: number): void {
    for (let i = from; i < this.queue.length; i += 1) this.queue[i].onWaiting?.(i);
  }
}
