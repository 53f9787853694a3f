/**
 * Issue 15 in a real browser: the confirm of a draft of more than 100,000 recipients answers at once with the task's
 * page, which says "Confirming…" and reloads itself (a Refresh header, no script) until the task is scheduled.
 */
import { startBrowserHarness, failOnBrowserErrors, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { adminMemberAndCatalogue } from '../helpers/catalogue';
import { phones } from '../helpers/tasks';
import { checkRecipients } from '../../src/sms/recipient-check';
import { packRecipients } from '../../src/drafts/recipient-chunks';
import { findSignature, findTemplate } from '../../src/queries/catalogue.queries';
import { findUserById } from '../../src/queries/users.queries';
import { confirmDraft, createDraft } from '../../src/services/drafts.service';
import { resumeStoppedConfirms, startConfirmMove } from '../../src/services/confirm-move.service';

let harness: BrowserHarness;
let member: BrowserSession;
let memberId: number;
let prefix = 30;

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  ({ memberId } = await adminMemberAndCatalogue(db, { content: '您好，这是分批确认。', smsType: 'notification', name: '分批' }, '分批'));
  member = await signedInSession(harness, 'mia');
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

async function draftOf(n: number): Promise<string> {
  const { db } = harness.testApp;
  const signature = (await findSignature(db, 1))!;
  const template = (await findTemplate(db, 1))!;
  prefix += 1;
  const report = checkRecipients(phones(n, `13${prefix}`).map((p, i) => ({ rowNumber: i + 1, cells: [p] })), { signature: signature.name, templateContent: template.content });
  return createDraft(db, {
    user: (await findUserById(db, memberId))!, signature, template, sendMode: 'now', sendAt: null, source: 'import', fileName: 'big.csv',
    report, recipients: packRecipients(report.valid), formState: {}, timeZone: 'Asia/Shanghai',
  });
}

test('Confirm on the check page of 105,000 recipients leads to the task, which ends scheduled with all of them', async () => {
  const { page } = member;
  const draft = await draftOf(105_000);
  await page.goto(`/tasks/${draft}/check`);
  await Promise.all([page.waitForURL(/\/tasks\/T\d+$/), page.locator('form[action$="/confirm"] button[type=submit]').click()]);
  const taskId = /\/tasks\/(T\d+)$/.exec(page.url())![1];
  await startConfirmMove(harness.testApp.db, taskId);
  // Reloaded by the page itself if it was still confirming when it loaded.
  await page.locator('[data-progress-page]').waitFor({ timeout: 20_000 });
  const [{ n }] = (await harness.testApp.db('messages').where({ task_id: taskId }).count({ n: '*' })) as { n: number }[];
  expect(Number(n)).toBe(105_000);
});

test('a task still confirming shows its progress, then the page reloads itself into the task details once it is scheduled', async () => {
  const { page } = member;
  const { db } = harness.testApp;
  const draft = await draftOf(23_000);
  // Begun, its move stopped before the first part (as after a crash).
  const begun = await confirmDraft(db, draft, (await findUserById(db, memberId))!, 'Asia/Shanghai', new Date(), undefined, { partChunks: 2, maxParts: 0 });
  const taskId = (begun as { taskId: string }).taskId;
  await startConfirmMove(db, taskId);
  await page.goto(`/tasks/${taskId}`);
  await page.locator(`[data-confirming="${taskId}"]`).waitFor();
  expect(await page.locator('h1').textContent()).toContain('Confirming…');
  expect(await page.locator('[data-confirm-moved]').textContent()).toContain('0 of 23,000');
  await resumeStoppedConfirms(db, { partChunks: 2, staleMs: 0 });
  await page.locator('[data-progress-page]').waitFor({ timeout: 20_000 });
  expect(page.url()).toMatch(new RegExp(`/tasks/${taskId}$`));
});
