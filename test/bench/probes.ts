/**
 * What the bench watches while an import runs: the process's RSS (the import worker is a thread of this process,
 * so its heap is in the same RSS) and the latency of GET /tasks for another logged-in user.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Client } from './client';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

const MB = 1024 * 1024;

export interface RssStats {
  baselineMb: number;
  peakMb: number;
  growthMb: number;
  peakHeapMb: number;
}

/** Samples process.memoryUsage() every `everyMs`; a sample delayed by a blocked event loop is still taken late. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  readonly baseline: number;
  peakRss: number;
  peakHeap = 0;
  samples = 0;

  constructor(private readonly everyMs = 20) {
    this.baseline = process.memoryUsage().rss;
    this.peakRss = this.baseline;
  }

  start(): this {
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  sample(): void {
    const m = process.memoryUsage();
    this.samples += 1;
    if (m.rss > this.peakRss) this.peakRss = m.rss;
    if (m.heapUsed > this.peakHeap) this.peakHeap = m.heapUsed;
  }

  stop(): RssStats {
    clearInterval(this.timer);
    this.sample();
    return {
      baselineMb: this.baseline / MB,
      peakMb: this.peakRss / MB,
      growthMb: (this.peakRss - this.baseline) / MB,
      peakHeapMb: this.peakHeap / MB,
    };
  }
}

export interface LatencyStats {
  count: number;
  errors: number;
  p50: number;
  p95: number;
  max: number;
  /** The longest the main thread's event loop was blocked meanwhile (ms). */
  loopMaxMs: number;
}

/**
 * Another signed-in user clicking around: GET `path`, wait for the whole page, pause `everyMs`, again. Latency is
 * from sending to the last byte. One request at a time (closed loop), so a stall shows up as one long sample, not
 * as a pile of queued ones; the event-loop delay histogram (`loopMaxMs`) tells how long the main thread was stuck.
 */
export class LatencyProbe {
  private readonly latencies: number[] = [];
  private errors = 0;
  /** The first failure, e.g. `HTTP 500`, so a broken page is not mistaken for a fast one. */
  firstError: string | undefined;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    private readonly client: Client,
    private readonly path = '/tasks',
    private readonly everyMs = 10,
  ) {}

  start(): this {
    this.running = true;
    this.histogram.reset();
    this.histogram.enable();
    this.loop = this.drive();
    return this;
  }

  private async drive(): Promise<void> {
    while (this.running) {
      const sent = performance.now();
      try {
        const res = await this.client.request(this.path);
        await res.arrayBuffer();
        if (res.status !== 200) this.fail(`HTTP ${res.status}`);
        else this.latencies.push(performance.now() - sent);
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err));
      }
      await new Promise((r) => setTimeout(r, this.everyMs));
    }
  }

  private fail(reason: string): void {
    this.errors += 1;
    this.firstError ??= reason;
  }

  async stop(): Promise<number[]> {
    this.running = false;
    await this.loop;
    this.histogram.disable();
    return this.latencies;
  }

  get loopMaxMs(): number {
    return this.histogram.max / 1e6;
  }

  get errorCount(): number {
    return this.errors;
  }
}

export function latencyStats(latencies: readonly number[], errors: number, loopMaxMs: number): LatencyStats {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { count: sorted.length, errors, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1] ?? NaN, loopMaxMs };
}
