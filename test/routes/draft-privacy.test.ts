import type { Knex } from 'knex';
import { addUser, loginAs, makeTestApp, postForm, tokenFor, type Agent, type TestApp } from '../helpers/app';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { createDraft } from '../../src/services/drafts.service';
import { findSignature, findTemplate } from '../../src/queries/catalogue.queries';
import { findUserById } from '../../src/queries/users.queries';
import { checkRecipients } from '../../src/sms/recipient-check';
import { packRecipients } from '../../src/drafts/recipient-chunks';

let t: TestApp;
let owner: Agent;
let other: Agent;
let admin: Agent;
let ownerId: number;
let signatureId: number;
let templateId: number;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  ownerId = await addUser(t.db, 'owner');
  await addUser(t.db, 'other');
  [owner, other, admin] = await Promise.all([loginAs(t.app, 'owner'), loginAs(t.app, 'other'), loginAs(t.app, 'admin')]);
  signatureId = await approvedSignature(t.db, '草稿');
  templateId = await approvedTemplate(t.db, '您好，这是草稿。');
});
afterAll(() => t.close());

/** A draft of `owner` with one valid and one invalid number, as the send form makes it. */
async function ownersDraft(): Promise<string> {
  const signature = (await findSignature(t.db, signatureId))!;
  const template = (await findTemplate(t.db, templateId))!;
  const report = checkRecipients(['13800138000', '12800138000'].map((p, i) => ({ rowNumber: i + 1, cells: [p] })), { signature: signature.name, templateContent: template.content });
  return createDraft(t.db, {
    user: (await findUserById(t.db, ownerId))!, signature, template, sendMode: 'now', sendAt: null, source: 'manual', fileName: null,
    report, recipients: packRecipients(report.valid), formState: { manualNumbers: '13800138000' }, timeZone: 'Asia/Shanghai',
  });
}

test("every page and action of someone else's draft answers 404; its author and admins get it", async () => {
  const id = await ownersDraft();
  const gets = [`/tasks/${id}`, `/tasks/${id}/check`, `/tasks/${id}/invalid-rows.csv`, `/tasks/${id}/messages.csv`, `/tasks/${id}/messages.xlsx`, `/tasks/new?from=${id}`];
  for (const url of gets) expect([url, (await other.get(url)).status]).toEqual([url, 404]);
  for (const action of ['confirm', 'cancel', 'stop', 'resend']) {
    const res = await postForm(other, `/tasks/${id}/${action}`, {}, '/tasks/new');
    expect([action, res.status]).toEqual([action, 404]);
  }
  expect((await t.db('tasks').where({ id }).first()).status).toBe('draft');

  for (const agent of [owner, admin]) {
    const show = await agent.get(`/tasks/${id}`);
    expect([show.status, show.headers.location]).toEqual([303, `/tasks/${id}/check`]);
    expect((await agent.get(`/tasks/${id}/check`)).status).toBe(200);
    expect((await agent.get(`/tasks/${id}/invalid-rows.csv`)).status).toBe(200);
    expect((await agent.get(`/tasks/new?from=${id}`)).text).toContain('13800138000');
  }
  // An id that is no draft (or no task) still just gives the empty form.
  expect((await other.get('/tasks/new?from=T0000000000')).status).toBe(200);
});

describe('the confirm re-checks the catalogue inside its transaction', () => {
  test.each([
    ['template', 'templates', () => templateId, 'disabled'],
    ['signature', 'signatures', () => signatureId, 'rejected'],
  ] as const)('a %s disabled or rejected before the confirm: 422 on the check page with the reason, nothing confirmed', async (_kind, table, itemId, status) => {
    const id = await ownersDraft();
    const _csrf = await tokenFor(owner, `/tasks/${id}/check`);
    await t.db(table).where({ id: itemId() }).update({ status });
    try {
      const res = await owner.post(`/tasks/${id}/confirm`).type('form').send({ _csrf });
      expect(res.status).toBe(422);
      expect(res.text).toContain('is no longer approved');
      expect(res.text).toContain(`/tasks/${id}/confirm`);
      expect((await t.db('tasks').where({ id }).first()).status).toBe('draft');
      expect(await t.db('messages').where({ task_id: id }).count({ n: '*' })).toEqual([{ n: 0 }]);
    } finally {
      await t.db(table).where({ id: itemId() }).update({ status: 'approved' });
    }
  });

  test('an admin disabling the template while the confirm reads it cannot slip in between the check and the confirm', async () => {
    const id = await ownersDraft();
    const _csrf = await tokenFor(owner, `/tasks/${id}/check`);
    // The moment the confirm reads the template, an admin's disable is queued: for the one write connection on
    // SQLite, behind the row the confirm holds on PostgreSQL.
    const log: string[] = [];
    let disable: Promise<unknown> | undefined;
    const onQuery = (q: { sql: string }) => {
      log.push(q.sql);
      if (!disable && /from [`"]templates[`"]/.test(q.sql)) {
        disable = (t.db as Knex)('templates').where({ id: templateId }).update({ status: 'disabled' }).then(() => log.push('DISABLED'));
      }
    };
    t.db.on('query', onQuery);
    try {
      const res = await owner.post(`/tasks/${id}/confirm`).type('form').send({ _csrf });
      await disable;
      // Confirmed, the row is under its new task id, with the draft's handle kept in draft_id.
      const confirmed = (await t.db('tasks').where({ id }).orWhere({ draft_id: id }).first()).status !== 'draft';
      // Either the confirm saw the template approved and committed before the disable ran, or it refused.
      if (confirmed) {
        expect(res.status).toBe(303);
        expect(log.indexOf('DISABLED')).toBeGreaterThan(log.findIndex((sql) => /^commit/i.test(sql)));
      } else {
        expect(res.status).toBe(422);
      }
      expect(log.slice(0, log.indexOf('DISABLED')).some((sql) => /^begin/i.test(sql))).toBe(true);
    } finally {
      t.db.off('query', onQuery);
      await t.db('templates').where({ id: templateId }).update({ status: 'approved' });
    }
  });
});
