import type { Request, Response, NextFunction } from 'express';
import { ApiError } from '../http-error';

/**
 * Per API key: 20 requests a second sustained, with bursts of up to 40. Enough for a client polling receipts and
 * submitting tasks in parallel; low enough that one runaway client cannot starve the single SQLite connection.
 * The buckets live in this process's memory: a restart refills them, and two processes each allow this rate.
 */
export const API_RATE_PER_SECOND = 20;
export const API_BURST = 40;

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Token buckets keyed by an id: each holds up to `burst` tokens and refills at `ratePerSecond`. */
export class TokenBuckets {
  private readonly buckets = new Map<number | string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(id: number | string): TakeResult {
    const now = this.now();
    const bucket = this.buckets.get(id) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = now;
    this.buckets.set(id, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond)) };
  }
}

/** 429 with `Retry-After` (whole seconds) once the key's bucket is empty; runs after the API key is known. */
export function apiRateLimit(buckets: TokenBuckets) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const result = buckets.take(res.locals.apiKey.id);
    if (result.ok) return next();
    res.set('Retry-After', String(result.retryAfterSeconds));
    next(new ApiError(429, 'rate_limited', 'api.errors.rateLimited', { perSecond: API_RATE_PER_SECOND, burst: API_BURST }));
  };
}
