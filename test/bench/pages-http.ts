/**
 * HTTP side of the pages suite: reaching a deep page the way a person does (following the page's own "next"
 * link), timing a page against its floor, the app's own queries behind one request, and a streamed download
 * with the process RSS sampled (the app runs in this process, as in the import suite).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Knex } from 'knex';
import type { Client } from './client';
import { RssSampler, percentile, type RssStats } from './probes';
import type { FloorQuery, PagesFloor } from './pages-floor';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export async function settle(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
}

const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&#34;/g, '"').replace(/&#39;/g, "'");

export async function getPage(client: Client, path: string): Promise<string> {
  const { status, body } = await client.text(path);
  if (status !== 200) throw new Error(`GET ${path} answered ${status}`);
  return body;
}

/** The page's "next" link (the task list's and the details' pagers both mark it rel="next"), without the #fragment. */
export function nextLink(html: string): string | undefined {
  const m = /<a href="([^"]*)" rel="next"/.exec(html);
  return m ? unescape(m[1]).replace(/#.*$/, '') : undefined;
}

/** Follows "next" `hops` times from `start`; returns the path reached (or the last page when there are fewer). */
export async function follow(client: Client, start: string, hops: number): Promise<{ path: string; hops: number }> {
  let path = start;
  for (let i = 0; i < hops; i += 1) {
    const next = nextLink(await getPage(client, path));
    if (!next) return { path, hops: i };
    path = next;
  }
  return { path, hops };
}

/** The ids of the rows a page shows: tasks on the list, messages on the details. */
export function shownIds(html: string): string[] {
  return [...html.matchAll(/data-(?:task|message)-id="([^"]+)"/g)].map((m) => m[1]);
}

export interface Timing {
  p50: number;
  p95: number;
  max: number;
}

export function timing(samples: readonly number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1] };
}

export interface Measured {
  page: Timing;
  floor: Timing;
  /** The app's own statements for the page, replayed raw. */
  replay: Timing;
  shown: string[];
  floorRows: unknown[][];
}

/**
 * `warmup` unmeasured rounds, then `samples` rounds of one page request (sent to last byte, one at a time), one
 * floor run and one replay of the app's statements, alternating, so that a busy moment of a shared machine (and
 * what a request leaves in the CPU caches) weighs on all three alike.
 */
export async function measurePage(client: Client, floor: PagesFloor, path: string, queries: FloorQuery[], replay: FloorQuery[], samples: number, warmup: number): Promise<Measured> {
  let html = '';
  for (let i = 0; i < warmup; i += 1) {
    html = await getPage(client, path);
    floor.run(queries);
    floor.run(replay);
  }
  const pageMs: number[] = [];
  const floorMs: number[] = [];
  const replayMs: number[] = [];
  let floorRows: unknown[][] = [];
  for (let i = 0; i < samples; i += 1) {
    const t0 = performance.now();
    html = await getPage(client, path);
    pageMs.push(performance.now() - t0);
    // Whichever runs first after the request meets colder CPU caches: take turns.
    if (i % 2 === 1) replayMs.push(floor.run(replay).ms);
    const run = floor.run(queries);
    floorMs.push(run.ms);
    floorRows = run.results;
    if (i % 2 === 0) replayMs.push(floor.run(replay).ms);
  }
  return { page: timing(pageMs), floor: timing(floorMs), replay: timing(replayMs), shown: shownIds(html), floorRows };
}

/** A page alone, no floor: `samples` sequential GETs after `warmup`. */
export async function sampleGet(client: Client, path: string, samples: number, warmup: number): Promise<Timing> {
  for (let i = 0; i < warmup; i += 1) await getPage(client, path);
  const times: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const t0 = performance.now();
    await getPage(client, path);
    times.push(performance.now() - t0);
  }
  return timing(times);
}

export interface AppQueries {
  /** Queries knex ran for one request, with their bindings. */
  queries: { sql: string; bindings: unknown[] }[];
  /** Median over the captured requests of the time spent inside knex (sent to answered, summed). */
  knexMs: number;
}

/** The SQL the app runs for `path` (knex's query events), over `times` requests. */
export async function appQueries(db: Knex, client: Client, path: string, times = 5): Promise<AppQueries> {
  let queries: AppQueries['queries'] = [];
  const sums: number[] = [];
  const started = new Map<string, number>();
  let sum = 0;
  const onQuery = (q: { sql: string; bindings?: unknown[]; __knexQueryUid: string }) => {
    started.set(q.__knexQueryUid, performance.now());
    queries.push({ sql: q.sql, bindings: q.bindings ?? [] });
  };
  const onResponse = (_r: unknown, q: { __knexQueryUid: string }) => {
    sum += performance.now() - (started.get(q.__knexQueryUid) ?? performance.now());
  };
  db.on('query', onQuery).on('query-response', onResponse);
  try {
    for (let i = 0; i < times; i += 1) {
      queries = [];
      sum = 0;
      await getPage(client, path);
      sums.push(sum);
    }
  } finally {
    db.off('query', onQuery).off('query-response', onResponse);
  }
  return { queries, knexMs: percentile([...sums].sort((a, b) => a - b), 50) };
}

export interface Download {
  ms: number;
  ttfbMs: number;
  bytes: number;
  lines: number;
  head: Buffer;
  rss: RssStats;
}

/** Downloads `path`, reading the body as it streams (nothing kept but a count), with the RSS sampled every 20 ms. */
export async function download(client: Client, path: string): Promise<Download> {
  await settle();
  const rss = new RssSampler(20).start();
  const t0 = performance.now();
  const res = await client.request(path);
  const ttfbMs = performance.now() - t0;
  if (res.status !== 200 || !res.body) throw new Error(`GET ${path} answered ${res.status}`);
  let bytes = 0;
  let lines = 0;
  let head = Buffer.alloc(0);
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (head.length < 8) head = Buffer.concat([head, Buffer.from(value.subarray(0, 8))]);
    bytes += value.length;
    for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) lines += 1;
  }
  const ms = performance.now() - t0;
  return { ms, ttfbMs, bytes, lines, head, rss: rss.stop() };
}
