/**
 * What the bench watches while an import runs: a process's RSS (the app's, when it runs as a child process, or the
 * bench's own; an import worker is a thread of the app, so its heap is in the same RSS) and the latency of
 * GET /tasks for another logged-in user.
 */
import fs from 'node:fs';
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
  /** This process's V8 heap at its highest; not known for another process. */
  peakHeapMb?: number;
  /** Whether the peak is the kernel's high-water mark (VmHWM, reset at the start) rather than the highest sample. */
  kernelPeak: boolean;
}

/** VmRSS and VmHWM of a process, in bytes, from /proc/<pid>/status (Linux). */
export function procMemory(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** CPU time the process has used so far (all its threads, user + system), in ms: /proc/<pid>/stat, in clock ticks. */
export function procCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces), from field 3 on: utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * Resets the process's VmHWM to its current RSS (`5` into /proc/<pid>/clear_refs, Linux ≥ 4.0), so VmHWM then
 * holds the highest RSS since this moment, including a spike between two samples. False if the kernel refused.
 */
function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Samples the RSS every `everyMs`: of this process (process.memoryUsage(), with its heap), or of the process `pid`
 * (VmRSS from /proc; the peak is then VmHWM, reset when the sampler is made, or the highest sample if it could not
 * be reset). A sample delayed by this process's busy event loop is still taken late.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  readonly baseline: number;
  private readonly kernelPeak: boolean;
  peakRss: number;
  peakHeap = 0;
  samples = 0;

  constructor(
    private readonly everyMs = 20,
    private readonly pid?: number,
  ) {
    this.kernelPeak = pid !== undefined && resetPeak(pid);
    this.baseline = pid === undefined ? process.memoryUsage().rss : procMemory(pid).rss;
    this.peakRss = this.baseline;
  }

  start(): this {
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  sample(): void {
    this.samples += 1;
    if (this.pid !== undefined) {
      const m = procMemory(this.pid);
      this.peakRss = Math.max(this.peakRss, m.rss, this.kernelPeak ? m.hwm : 0);
      return;
    }
    const m = process.memoryUsage();
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
      peakHeapMb: this.pid === undefined ? this.peakHeap / MB : undefined,
      kernelPeak: this.kernelPeak,
    };
  }
}

export interface LatencyStats {
  count: number;
  errors: number;
  p50: number;
  p95: number;
  max: number;
  /** The longest this process's event loop was blocked meanwhile (ms): the app's only when it runs in this process. */
  loopMaxMs: number;
}

/**
 * Another signed-in user clicking around: GET `path`, wait for the whole page, pause `everyMs`, again. Latency is
 * from sending to the last byte. One request at a time (closed loop), so a stall shows up as one long sample, not
 * as a pile of queued ones. The event-loop delay histogram (`loopMaxMs`) tells how long this process's main thread
 * was stuck, which is the app's only when the app runs in this process (the dispatch suite); against an app in a
 * child process the slowest answer (`max`) is what bounds its stalls.
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
