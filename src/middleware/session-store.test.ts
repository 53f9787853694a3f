import type { SessionData } from 'express-session';
import { makeTestApp, type TestApp } from '../../test/helpers/app';
import { SessionStore, TOUCH_EVERY_MS } from './session-store';

let t: TestApp;
let now: number;
/** The store (and connect-session-knex under it) reads the clock through Date; only Date is faked: knex's pool needs real timers. */
const advance = (ms: number) => jest.setSystemTime((now += ms));
beforeEach(async () => {
  t = await makeTestApp();
  now = Date.UTC(2026, 10, 25, 9, 0, 0);
  jest.useFakeTimers({ now, doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
});
afterEach(async () => {
  jest.useRealTimers();
  await t.close();
});

const HOURS_8 = 8 * 3_600_000;
/** The session as express-session hands it to the store: its cookie expires 8 hours after the current request. */
const session = (userId = 1) => ({ cookie: { originalMaxAge: HOURS_8, maxAge: HOURS_8, expires: new Date(now + HOURS_8) }, userId }) as unknown as SessionData;
/** A timestamp column: ISO text on SQLite, a Date on PostgreSQL. */
const storedExpiry = async (sid: string) => {
  const { expired } = await t.db('sessions').where({ sid }).first('expired');
  return expired instanceof Date ? expired.getTime() : Date.parse(expired);
};

test('a touch writes the new expiry, then not again for a minute, then again', async () => {
  const store = new SessionStore(t.db);
  await store.set('s1', session());
  expect(await storedExpiry('s1')).toBe(now + HOURS_8);

  advance(1000);
  await store.touch('s1', session());
  expect(await storedExpiry('s1')).toBe(now - 1000 + HOURS_8);

  advance(TOUCH_EVERY_MS - 1000);
  await store.touch('s1', session());
  expect(await storedExpiry('s1')).toBe(now + HOURS_8);

  advance(30_000);
  await store.touch('s1', session());
  expect(await storedExpiry('s1')).toBe(now - 30_000 + HOURS_8);
});

test('each session is throttled on its own, and a skipped touch still calls back', async () => {
  const store = new SessionStore(t.db);
  await store.set('a', session());
  await store.set('b', session());
  advance(TOUCH_EVERY_MS);
  const called = jest.fn();
  await store.touch('a', session(), called);
  advance(10);
  await store.touch('a', session(), called);
  expect(called).toHaveBeenCalledTimes(2);
  expect(await storedExpiry('a')).toBe(now - 10 + HOURS_8);
  expect(await storedExpiry('b')).toBe(now - 10 - TOUCH_EVERY_MS + HOURS_8);
});

test('a changed session is saved at once, and a destroyed one is gone', async () => {
  const store = new SessionStore(t.db);
  await store.set('s', session(1));
  advance(10);
  await store.set('s', session(2));
  const { sess } = await t.db('sessions').where({ sid: 's' }).first('sess');
  // A json column: its text on SQLite, already parsed on PostgreSQL.
  expect((typeof sess === 'string' ? JSON.parse(sess) : sess).userId).toBe(2);
  expect(await storedExpiry('s')).toBe(now + HOURS_8);
  await store.destroy('s');
  expect(await store.get('s', () => {})).toBeNull();
});

test('another process (another store on the same database) keeps its own clock and extends the same row', async () => {
  const first = new SessionStore(t.db);
  const second = new SessionStore(t.db);
  await first.set('s', session());
  advance(5_000);
  await second.touch('s', session());
  expect(await storedExpiry('s')).toBe(now + HOURS_8);
  advance(5_000);
  await first.touch('s', session());
  expect(await storedExpiry('s')).toBe(now - 5_000 + HOURS_8);
});
