import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from './knex';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer';
import { createLogger } from '../log';

let dir: string;
let db: Db;
let checkpointer: WalCheckpointer | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-wal-'));
});
afterEach(async () => {
  await checkpointer?.stop();
  checkpointer = undefined;
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** About 8 MB committed in one transaction: far past SQLite's 1,000-page automatic checkpoint. */
async function writeMuch(): Promise<void> {
  await db.schema.createTable('blobs', (t) => {
    t.increments('id');
    t.text('body');
  });
  await db.transaction(async (trx) => {
    for (let i = 0; i < 80; i += 1) await trx('blobs').insert({ body: 'x'.repeat(100_000) + i });
  });
}

const mb = (file: string) => fs.statSync(file).size / 1048576;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('with background checkpoints the commit leaves the pages in the WAL, and the checkpointer thread copies them', async () => {
  const file = path.join(dir, 'a.sqlite');
  db = createDb(file, { backgroundCheckpoint: true });
  checkpointer = startWalCheckpointer(db, file, createLogger('silent'), 100);
  await writeMuch();
  // The commit itself did not checkpoint (no automatic checkpoint on this connection)…
  expect(mb(file)).toBeLessThan(1);
  // …the thread does, within its period.
  for (let i = 0; i < 50 && mb(file) < 7; i += 1) await sleep(100);
  expect(mb(file)).toBeGreaterThan(7);
  expect(await db('blobs').count({ n: '*' })).toEqual([{ n: 80 }]);
});

test('without the thread nothing is copied back, and stop() checkpoints what is left', async () => {
  const file = path.join(dir, 'b.sqlite');
  db = createDb(file, { backgroundCheckpoint: true });
  await writeMuch();
  await sleep(400);
  expect(mb(file)).toBeLessThan(1);
  const late = startWalCheckpointer(db, file, createLogger('silent'), 60_000);
  await late.stop();
  expect(mb(file)).toBeGreaterThan(7);
});

test('the default connection keeps SQLite’s own automatic checkpoint', async () => {
  const file = path.join(dir, 'c.sqlite');
  db = createDb(file);
  await writeMuch();
  expect(mb(file)).toBeGreaterThan(7);
});

test('if the thread fails, the connection checkpoints by itself again (the WAL never grows without bound)', async () => {
  const file = path.join(dir, 'd.sqlite');
  db = createDb(file, { backgroundCheckpoint: true });
  await db.raw('select 1');
  const lines: string[] = [];
  // A directory is not a database: the thread fails at once.
  checkpointer = startWalCheckpointer(db, dir, createLogger('error', (l) => lines.push(l)), 100);
  for (let i = 0; i < 50 && lines.length === 0; i += 1) await sleep(50);
  expect(lines.join()).toContain('WAL checkpointer stopped');
  await sleep(50);
  await writeMuch();
  expect(mb(file)).toBeGreaterThan(7);
});

test('a thread that failed is started again by itself, and then takes the checkpoints back from the connection', async () => {
  const file = path.join(dir, 'e.sqlite');
  db = createDb(file, { backgroundCheckpoint: true });
  await db.raw('pragma user_version');
  // The thread opens the database through a link that points at a directory first: it fails at once.
  const link = path.join(dir, 'link.sqlite');
  fs.symlinkSync(dir, link);
  const lines: string[] = [];
  checkpointer = startWalCheckpointer(db, link, createLogger('info', (l) => lines.push(l)), 100, 100);
  for (let i = 0; i < 50 && !lines.join().includes('WAL checkpointer stopped'); i += 1) await sleep(20);
  expect(lines.join()).toContain('WAL checkpointer stopped');
  fs.unlinkSync(link);
  fs.symlinkSync(file, link);
  for (let i = 0; i < 100 && !lines.join().includes('WAL checkpointer restarted'); i += 1) await sleep(20);
  expect(lines.join()).toContain('WAL checkpointer restarted');
  await sleep(50);
  // The connection's automatic checkpoint is off again, and the thread copies.
  expect(await db.raw('pragma wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 0 }]);
  await writeMuch();
  for (let i = 0; i < 50 && mb(file) < 7; i += 1) await sleep(100);
  expect(mb(file)).toBeGreaterThan(7);
});

test('under back-to-back writes and steady reads the WAL stays bounded, and is cut back to nothing after', async () => {
  const file = path.join(dir, 'f.sqlite');
  db = createDb(file, { backgroundCheckpoint: true });
  checkpointer = startWalCheckpointer(db, file, createLogger('silent'), 100);
  await db.schema.createTable('blobs', (t) => {
    t.increments('id');
    t.text('body');
  });
  let reading = true;
  const reads = (async () => {
    while (reading) {
      await db('blobs').count({ n: '*' });
      await sleep(5);
    }
  })();
  let largestWal = 0;
  const sampler = setInterval(() => (largestWal = Math.max(largestWal, mb(file + '-wal'))), 10);
  // 60 MB in 1 MB transactions, one right after the other (a PASSIVE checkpoint never catches up), read all along.
  for (let i = 0; i < 60; i += 1) {
    await db.transaction(async (trx) => {
      for (let j = 0; j < 10; j += 1) await trx('blobs').insert({ body: 'x'.repeat(100_000) + i });
    });
    largestWal = Math.max(largestWal, mb(file + '-wal'));
  }
  reading = false;
  await reads;
  for (let i = 0; i < 50 && mb(file + '-wal') > 0; i += 1) await sleep(100);
  clearInterval(sampler);
  expect(largestWal).toBeLessThan(32);
  expect(mb(file + '-wal')).toBe(0);
  expect(await db('blobs').count({ n: '*' })).toEqual([{ n: 600 }]);
});
