import { createDb, migrateLatest, type Db } from '../db/knex';
import { deleteAuditRecordsBefore, insertAuditRecord, listAuditRecords, type AuditRecordInput } from './audit-records.queries';
import { runAuditRetention } from '../services/audit.service';

let db: Db;
beforeEach(async () => {
  db = createDb(':memory:');
  await migrateLatest(db);
});
afterEach(() => db.destroy());

const DAY = 86_400_000;
const record = (daysAgo: number, extra: Partial<AuditRecordInput> = {}): AuditRecordInput => ({
  createdAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
  actorUserId: 1,
  actorApiKeyId: null,
  actorLabel: 'admin',
  ip: '127.0.0.1',
  action: 'setting.changed',
  objectType: 'settings',
  objectId: null,
  summary: null,
  ...extra,
});

/** The error a statement fails with, or 'no error' (see migrations.test.ts for why not `rejects.toThrow`). */
async function failure(query: PromiseLike<unknown>): Promise<string> {
  try {
    await query;
    return 'no error';
  } catch (err) {
    return (err as Error).message;
  }
}

const count = async () => Number((await db('audit_records').count({ n: '*' }))[0].n);

describe('audit records are append-only, enforced by the database', () => {
  test('no UPDATE of a record gets through, whatever it changes', async () => {
    await insertAuditRecord(db, record(400));
    expect(await failure(db('audit_records').update({ action: 'user.created' }))).toMatch(/append-only/);
    expect(await failure(db.raw("update audit_records set summary = '{}'"))).toMatch(/append-only/);
    expect((await listAuditRecords(db, {}, {}, 10))[0].action).toBe('setting.changed');
  });

  test('no DELETE gets through outside the retention gate, however old the record', async () => {
    await insertAuditRecord(db, record(400));
    await insertAuditRecord(db, record(1));
    expect(await failure(db('audit_records').delete())).toMatch(/append-only/);
    expect(await failure(db.raw('delete from audit_records where id = 1'))).toMatch(/append-only/);
    expect(await count()).toBe(2);
  });

  test('no INSERT OR REPLACE / upsert over an existing record gets through (a replace would delete it unseen)', async () => {
    await insertAuditRecord(db, record(400));
    const forged = { id: 1, created_at: new Date().toISOString(), actor_label: 'mallory', action: 'user.created' };
    expect(await failure(db.raw("replace into audit_records (id, created_at, actor_label, action) values (1, '2026-01-01', 'mallory', 'user.created')"))).toMatch(/append-only/);
    expect(await failure(db('audit_records').insert(forged).onConflict('id').merge())).toMatch(/append-only/);
    expect(await failure(db('audit_records').insert(forged).onConflict('id').ignore())).toMatch(/append-only/);
    const [kept] = await listAuditRecords(db, {}, {}, 10);
    expect(kept).toMatchObject({ id: 1, actorLabel: 'admin', action: 'setting.changed' });
    expect(await count()).toBe(1);
  });

  test('the gate refuses a cutoff less than 30 days old, so even the guarded path keeps the recent log', async () => {
    await insertAuditRecord(db, record(5));
    const recent = new Date(Date.now() - 29 * DAY).toISOString();
    expect(await failure(deleteAuditRecordsBefore(db, recent, 100))).toMatch(/at least 30 days/);
    expect(await failure(db('audit_retention_gates').insert({ cutoff: new Date().toISOString() }))).toMatch(/at least 30 days/);
    expect(await count()).toBe(1);
  });

  test('an open gate only lets records older than its cutoff go, and cannot be moved', async () => {
    await insertAuditRecord(db, record(400));
    await insertAuditRecord(db, record(40));
    await db.transaction(async (trx) => {
      await trx('audit_retention_gates').insert({ cutoff: new Date(Date.now() - 100 * DAY).toISOString() });
      expect(await failure(trx('audit_retention_gates').update({ cutoff: new Date().toISOString() }))).toMatch(/cannot be changed/);
      expect(await failure(trx('audit_records').delete())).toMatch(/append-only/);
      await trx.rollback();
    }).catch(() => undefined);
    expect(await count()).toBe(2);
  });

  test('the retention delete removes what is past the setting, in batches, and leaves the gate closed', async () => {
    for (let i = 0; i < 5; i += 1) await insertAuditRecord(db, record(400 + i));
    await insertAuditRecord(db, record(364));
    await insertAuditRecord(db, record(0));
    expect(await deleteAuditRecordsBefore(db, new Date(Date.now() - 365 * DAY).toISOString(), 2)).toBe(2);
    expect(await runAuditRetention(db, 365)).toBe(3);
    expect(await count()).toBe(2);
    expect(await db('audit_retention_gates').count({ n: '*' })).toEqual([{ n: 0 }]);
    // A setting under the floor is applied as 30 days, never as "everything": today's record stays.
    expect(await runAuditRetention(db, 1)).toBe(1);
    expect(await count()).toBe(1);
  });
});

describe('listing', () => {
  test('filters by actor, action, object and time, newest first, with keyset pages both ways', async () => {
    await insertAuditRecord(db, record(3, { actorLabel: 'ann', action: 'user.created', objectType: 'user', objectId: '7' }));
    await insertAuditRecord(db, record(2, { actorLabel: 'bob', action: 'user.created', objectType: 'user', objectId: '8' }));
    await insertAuditRecord(db, record(1, { actorLabel: 'ann', action: 'api_key.created', objectType: 'api_key', objectId: '1' }));
    const ids = async (...args: Parameters<typeof listAuditRecords> extends [unknown, ...infer R] ? R : never) => (await listAuditRecords(db, ...args)).map((r) => r.id);
    expect(await ids({}, {}, 10)).toEqual([3, 2, 1]);
    expect(await ids({ actor: 'ann' }, {}, 10)).toEqual([3, 1]);
    expect(await ids({ action: 'user.created' }, {}, 10)).toEqual([2, 1]);
    expect(await ids({ objectType: 'user', objectId: '8' }, {}, 10)).toEqual([2]);
    expect(await ids({ fromIso: new Date(Date.now() - 2.5 * DAY).toISOString() }, {}, 10)).toEqual([3, 2]);
    expect(await ids({ toIso: new Date(Date.now() - 1.5 * DAY).toISOString() }, {}, 10)).toEqual([2, 1]);
    expect(await ids({}, { beforeId: 3 }, 1)).toEqual([2]);
    expect(await ids({}, { afterId: 1 }, 1)).toEqual([2]);
  });
});
