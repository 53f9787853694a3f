/**
 * What the audit route tests share: an app with an admin and a member signed in, and readers of the raw
 * audit_records rows (the tests check what was stored, column by column, not what the page makes of it).
 */
import { addUser, loginAs, makeTestApp, type Agent, type TestApp } from './app';
import type { Db } from '../../src/db/knex';
import type { AuditRow } from '../../src/queries/audit-records.queries';

export type { AuditRow };

/** A fresh app with "admin" (admin) and "mia" (member), each with a signed-in agent. */
export async function appWithAdminAndMember(): Promise<{ t: TestApp; admin: Agent; member: Agent }> {
  const t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'mia', 'member');
  const [admin, member] = await Promise.all([loginAs(t.app, 'admin'), loginAs(t.app, 'mia')]);
  return { t, admin, member };
}

/** Readers of the audit log; `db` is a getter because the test's app is made in beforeAll, after this is called. */
export function auditReaders(db: () => Db) {
  /** The records of `action` made since `sinceId`, oldest first, with the summary parsed. */
  async function recorded(action: string, sinceId = 0) {
    const rows: AuditRow[] = await db()('audit_records').where({ action }).where('id', '>', sinceId).orderBy('id');
    return rows.map((r) => ({ ...r, summary: r.summary ? JSON.parse(r.summary) : null }));
  }
  /** The newest record's id, to read only what a test step adds. */
  const lastId = async (): Promise<number> => (await db()('audit_records').max({ m: 'id' }))[0].m ?? 0;
  /** Every record as one string, to check that no secret is stored anywhere in the log. */
  const allText = async () => JSON.stringify(await db()('audit_records').select());
  return { recorded, lastId, allText };
}
