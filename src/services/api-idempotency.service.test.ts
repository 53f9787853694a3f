import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT_DIR } from '../config';
import { createDb, migrateLatest, type Db } from '../db/knex';
import { answerOnce, storedAnswer, type IdempotencyScope } from './api-idempotency.service';

let dir: string;
let db1: Db;
let db2: Db;
let scope: IdempotencyScope;

/** Two knex instances on one database file stand for two app processes. */
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-idem-'));
  const file = path.join(dir, 'db.sqlite');
  db1 = createDb(file);
  await migrateLatest(db1);
  db2 = createDb(file);
  const now = new Date().toISOString();
  await db1('users').insert({ id: 1, username: 'admin', password_hash: 'x', role: 'admin', created_at: now, updated_at: now });
  await db1('api_keys').insert({ id: 1, name: 'k', prefix: '00000000', key_hash: 'h', created_by: 1, created_at: now });
  scope = { apiKeyId: 1, idemKey: 'order-1' };
});
afterEach(async () => {
  await db1.destroy();
  await db2.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Stands for the task a write creates. */
const createThing = (trx: Db, n: number) => trx('signatures').insert({ name: `thing${n}`, status: 'pending', created_by: 1, created_at: 'now', updated_at: 'now' });
const things = async () => Number((await db1('signatures').count({ n: '*' }))[0].n);

test('in one process, concurrent duplicates run the write once and the others get its answer', async () => {
  let runs = 0;
  const results = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      answerOnce(db1, scope, async (trx) => {
        runs += 1;
        await createThing(trx, i);
        return { status: 201, body: { n: i } };
      }),
    ),
  );
  expect(runs).toBe(1);
  expect(await things()).toBe(1);
  expect(new Set(results.map((r) => JSON.stringify(r.answer))).size).toBe(1);
  expect(results.filter((r) => !r.replayed)).toHaveLength(1);
});

test('across processes, the second waits for the first one’s transaction and replays its answer', async () => {
  // Process 1 is a real child process: it finds no answer, then spends 300 ms creating its task inside the
  // transaction (holding the write lock) before it commits.
  const script = `
    const { createDb } = require(${JSON.stringify(path.join(__dirname, '../db/knex.ts'))});
    const { answerOnce } = require(${JSON.stringify(path.join(__dirname, 'api-idempotency.service.ts'))});
    const db = createDb(process.argv[1]);
    answerOnce(db, { apiKeyId: 1, idemKey: 'order-1' }, async (trx) => {
      process.stdout.write('locked\\n');
      await new Promise((r) => setTimeout(r, 300));
      await trx('signatures').insert({ name: 'thing1', status: 'pending', created_by: 1, created_at: 'now', updated_at: 'now' });
      return { status: 201, body: { by: 'process 1' } };
    }).then((r) => { process.stdout.write(JSON.stringify(r) + '\\n'); return db.destroy(); });
  `;
  const child = spawn(process.execPath, ['-r', path.join(ROOT_DIR, 'test/helpers/register-ts.js'), '-e', script, path.join(dir, 'db.sqlite')]);
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((out += d.toString()), out.includes('locked') && resolve())));
  // …so process 2's identical request (BEGIN IMMEDIATE) waits for it instead of creating a second task.
  const second = await answerOnce(db2, scope, async (trx) => {
    await createThing(trx, 2);
    return { status: 201, body: { by: 'process 2' } };
  });
  expect(await exited).toBe(0);
  expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ answer: { status: 201, body: { by: 'process 1' } }, replayed: false });
  expect(second).toEqual({ answer: { status: 201, body: { by: 'process 1' } }, replayed: true });
  expect(await db1('signatures').pluck('name')).toEqual(['thing1']);
});

test('a write that fails stores nothing: the error propagates and a retry runs again', async () => {
  await expect(
    answerOnce(db1, scope, async (trx) => {
      await createThing(trx, 1);
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  expect(await things()).toBe(0);
  expect(await storedAnswer(db1, scope)).toBeNull();
  const retry = await answerOnce(db1, scope, async (trx) => {
    await createThing(trx, 2);
    return { status: 201, body: {} };
  });
  expect(retry.replayed).toBe(false);
  expect(await things()).toBe(1);
});

test('without an Idempotency-Key nothing is stored and every call writes', async () => {
  const none = { apiKeyId: 1, idemKey: null };
  await answerOnce(db1, none, async (trx) => (await createThing(trx, 1), { status: 201, body: {} }));
  await answerOnce(db1, none, async (trx) => (await createThing(trx, 2), { status: 201, body: {} }));
  expect(await things()).toBe(2);
  expect(await db1('api_idempotency').count({ n: '*' })).toEqual([{ n: 0 }]);
});
