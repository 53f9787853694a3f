/**
 * The send form in a real browser, as a member: the template list follows the SMS type, the preview follows the
 * choices without a reload, the import template is downloaded, filled in and uploaded, the check report is read
 * and confirmed; the same with numbers typed by hand and a schedule, through "Back to edit"; and a refused form
 * that keeps every choice. The catalogue is seeded straight in the database (its review is catalogue.e2e's job).
 */
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import * as XLSX from 'xlsx';
import type { Locator, Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';

const MEMBER = 'mia';
const SIGNATURE = '腾讯云';
const OTHER_SIGNATURE = '阿里云';
const TWO_VARS_NAME = '发货通知';
const TWO_VARS = '尊敬的{1}，您的订单{2}已发货，请注意查收。';
const PLAIN_NAME = '取件提醒';
const PLAIN = '您的快递已到，请及时取件。';
const MARKETING_NAME = '春季促销';
/** The app under test runs in this zone (test/helpers/app.ts); it has no DST, so UTC+8 all year. */
const ZONE = 'Asia/Shanghai';
const ZONE_OFFSET_MS = 8 * 3_600_000;
/** A draft's check page: the draft has a handle until the confirm gives it its task id. */
const CHECK_URL = /\/tasks\/(D[0-9a-f]{12})\/check$/;
const TASK_URL = /^\/tasks\/(T\d{10})$/;
const FORM_SCREENSHOT = '/tmp/qunfa-send-form.png';
const CHECK_SCREENSHOT = '/tmp/qunfa-check.png';

let harness: BrowserHarness;
let member: BrowserSession;
let tmpDir: string;

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  const adminId = await addUser(db, 'admin', 'admin');
  await addUser(db, MEMBER, 'member');
  await approvedSignature(db, SIGNATURE, adminId);
  await approvedSignature(db, OTHER_SIGNATURE, adminId);
  await approvedTemplate(db, TWO_VARS, 'notification', TWO_VARS_NAME, adminId);
  await approvedTemplate(db, PLAIN, 'notification', PLAIN_NAME, adminId);
  await approvedTemplate(db, '春季大促，全场五折！拒收请回复R', 'marketing', MARKETING_NAME, adminId);
  tmpDir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'qunfa-e2e-'));

  member = await signedInSession(harness, MEMBER);
});

afterAll(async () => {
  await harness?.close();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});

failOnBrowserErrors(() => harness, isRefusedCheck);

/**
 * "Check recipients" posts the form by XHR and shows the server's answer; a refused form is that XHR answered
 * 422, which chromium logs like a refused page load. Only that one request is forgiven.
 */
function isRefusedCheck(error: string): boolean {
  return error.endsWith(`: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity) (${harness.baseUrl}/tasks)`);
}

/**
 * "Check recipients": the form is sent by XHR (for the upload progress), then the browser goes to the check
 * page. Returns the new draft's id.
 */
async function checkRecipients(page: Page): Promise<string> {
  await Promise.all([page.waitForURL(CHECK_URL), page.getByRole('button', { name: 'Check recipients' }).click()]);
  return CHECK_URL.exec(page.url())![1];
}

function path(page: Page): string {
  return new URL(page.url()).pathname;
}

async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').trim();
}

/** The `datetime-local` value of now + `ms` on the wall clock of the app's zone: `YYYY-MM-DDTHH:mm`. */
function zonedInputValue(ms: number): string {
  return new Date(Date.now() + ms + ZONE_OFFSET_MS).toISOString().slice(0, 16);
}

/** The form's fields, as the page would send them back. */
async function formState(page: Page) {
  return {
    smsType: await page.getByLabel('SMS type').inputValue(),
    signature: await text(page.getByLabel('Signature', { exact: true }).locator('option:checked')),
    template: await text(page.getByLabel('Template', { exact: true }).locator('option:checked')),
    manual: await page.getByLabel('Manual addition').isChecked(),
    numbers: await page.getByLabel('Phone numbers').inputValue(),
    scheduled: await page.getByLabel('Scheduled', { exact: true }).isChecked(),
    sendAt: await page.getByLabel(`Date and time (${ZONE})`).inputValue(),
  };
}

async function reportCounts(page: Page): Promise<Record<string, string>> {
  const counts: Record<string, string> = {};
  for (const cell of await page.locator('[data-report] [data-count]').all()) {
    counts[(await cell.getAttribute('data-count'))!] = await text(cell);
  }
  return counts;
}

/** Chooses the SMS type and then the template; each choice reloads the form with what depends on it. */
async function chooseTypeAndTemplate(page: Page, templateName: string): Promise<void> {
  await navigateBy(page, () => page.getByLabel('SMS type').selectOption({ label: 'Notification' }));
  await navigateBy(page, () => page.getByLabel('Template', { exact: true }).selectOption({ label: templateName }));
  expect(await text(page.getByLabel('Template', { exact: true }).locator('option:checked'))).toBe(templateName);
}

async function taskRow(page: Page, id: string): Promise<Locator> {
  const row = page.locator(`tr[data-task-id="${id}"]`);
  expect(await row.count()).toBe(1);
  return row;
}

test('import: type, template and signature; the live preview; the import template downloaded, filled, checked and confirmed', async () => {
  const { page } = member;
  const response = await page.goto('/tasks/new');
  expect(response?.status()).toBe(200);
  const template = page.getByLabel('Template', { exact: true });
  expect(await template.isDisabled()).toBe(true);
  expect(await page.getByRole('button', { name: 'Show templates' }).first().isVisible()).toBe(false);
  expect(await text(page.locator('[data-preview]'))).toBe('Choose a signature and a template to see the message.');

  // The type reloads the form with the approved templates of that type only.
  await navigateBy(page, () => page.getByLabel('SMS type').selectOption({ label: 'Notification' }));
  expect(path(page)).toBe('/tasks/new');
  expect(await page.getByLabel('SMS type').inputValue()).toBe('notification');
  expect(await template.isEnabled()).toBe(true);
  expect((await template.locator('option').allTextContents()).map((s) => s.trim()).sort()).toEqual([PLAIN_NAME, TWO_VARS_NAME, '— choose —'].sort());

  await navigateBy(page, () => template.selectOption({ label: TWO_VARS_NAME }));
  expect(await text(page.locator('[data-template-content]'))).toBe(TWO_VARS);
  expect(await text(page.locator('.sms-bubble'))).toBe(`【…】${TWO_VARS}`);

  // The signature updates the preview in place: the marker set on this document survives.
  await page.evaluate(() => document.documentElement.setAttribute('data-e2e-same-document', ''));
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: `【${SIGNATURE}】` });
  await page.locator('.sms-bubble', { hasText: `【${SIGNATURE}】` }).waitFor();
  expect(await page.locator('html[data-e2e-same-document]').count()).toBe(1);
  expect(await text(page.locator('.sms-bubble'))).toBe(`【${SIGNATURE}】${TWO_VARS}`);
  expect(await page.locator('.sms-bubble .sms-var').allTextContents()).toEqual(['{1}', '{2}']);
  // 【腾讯云】 is 5 characters and the template 24 with its {1} {2} written out (what src/sms/preview measures).
  expect(await text(page.locator('[data-preview-count]'))).toBe('29 characters | 1 message');
  expect(await text(page.locator('[data-preview] .hint').first())).toBe(
    'Counted with the variables as written; each recipient’s values change the length.',
  );

  // Recipients: the file panel is shown; manual addition is refused for a template with variables.
  expect(await page.getByLabel('Batch import').isChecked()).toBe(true);
  expect(await page.getByLabel('Manual addition').isDisabled()).toBe(true);
  expect(await page.getByLabel('Phone numbers').isVisible()).toBe(false);
  expect(await text(page.locator('.tab-panel[data-panel="import"] .hint').first())).toBe(
    'At most 100,000 numbers and 10 MB per file. First column: phone number; next columns fill {1}, {2}, … in order.',
  );

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '.xlsx', exact: true }).click()]);
  // Named after the template: Chromium reads the RFC 5987 filename* (issue 12, item 10).
  expect(download.suggestedFilename()).toBe(`${TWO_VARS_NAME}-import template.xlsx`);
  const book = XLSX.read(fs.readFileSync(await download.path()), { type: 'buffer' });
  const sheet = book.Sheets[book.SheetNames[0]];
  // The first sheet is the header alone; the example is in the second, which is not imported.
  expect(XLSX.utils.sheet_to_json<string[]>(sheet, { header: 1, raw: false })).toEqual([
    ['Phone number', 'Variable 1: 尊敬的{1}，您的订单{2}…', 'Variable 2: …{1}，您的订单{2}已发货，请注意查…'],
  ]);
  expect(book.SheetNames).toEqual(['Recipients', 'Example']);
  // Filled in as a user would: two good rows and one with a 12x prefix under the header.
  XLSX.utils.sheet_add_aoa(
    sheet,
    [
      ['13800138000', '张三', 'SF1001'],
      ['13900139000', '李四', 'SF1002'],
      ['12800138000', '王五', 'SF1003'],
    ],
    { origin: 'A2' },
  );
  const filled = nodePath.join(tmpDir, 'recipients.xlsx');
  fs.writeFileSync(filled, XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer);
  await page.getByLabel('Recipient file (.xlsx, .xls, .csv, .txt)').setInputFiles(filled);
  expect(await page.locator('[data-upload-progress]').isVisible()).toBe(false);
  await page.screenshot({ path: FORM_SCREENSHOT, fullPage: true });

  const draft = await checkRecipients(page);
  // No task id is used up by a check: the heading names none.
  expect(await text(page.getByRole('heading', { level: 1 }))).toBe('Check recipients');
  expect(await reportCounts(page)).toEqual({
    rowsRead: '3',
    valid: '2',
    invalid: '1',
    duplicates: '0',
    repeated: '0',
    messages: '2',
    segments: '2',
    longest: '31 characters | 1 message',
  });
  const summary = await text(page.locator('.summary'));
  expect(summary).toContain('file recipients.xlsx');
  expect(summary).toContain('Send now');
  expect((await page.locator('[data-invalid-rows] tbody tr td').allTextContents()).map((s) => s.trim())).toEqual([
    // Its row as the spreadsheet shows it, the header being row 1 (issue 12, item 3).
    '4',
    '12800138000',
    'not a mainland mobile number',
  ]);
  // The preview is the first valid row's message.
  expect(await text(page.locator('.sms-bubble'))).toBe(`【${SIGNATURE}】尊敬的张三，您的订单SF1001已发货，请注意查收。`);
  expect(await page.locator('.sms-bubble .sms-var').allTextContents()).toEqual(['张三', 'SF1001']);
  expect(await text(page.locator('[data-preview-count]'))).toBe('31 characters | 1 message');
  expect(await page.getByRole('button', { name: 'Confirm schedule' }).count()).toBe(0);
  await page.screenshot({ path: CHECK_SCREENSHOT, fullPage: true });
  // "Back to edit" warns that the file will have to be chosen again.
  expect(await text(page.locator('[data-back-file-again]'))).toBe('Back to edit keeps every choice but the file: the browser cannot keep it, so you will choose it again.');

  await navigateBy(page, () => page.getByRole('button', { name: 'Confirm and send' }).click());
  expect(path(page)).toMatch(TASK_URL);
  const id = TASK_URL.exec(path(page))![1];
  expect(id).not.toBe(draft);
  await page.goto('/tasks');
  const row = await taskRow(page, id);
  expect(await text(row.locator('.badge'))).toBe('Scheduled');
  const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
  expect(cells.slice(0, 6)).toEqual([id, 'Notification', `【${SIGNATURE}】`, TWO_VARS_NAME, TWO_VARS, '2']);
});

test('manual numbers with a schedule: the report, "Back to edit" keeps everything, check again, confirm the schedule', async () => {
  const { page } = member;
  await page.goto('/tasks/new');
  await chooseTypeAndTemplate(page, PLAIN_NAME);
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: `【${SIGNATURE}】` });
  await page.locator('.sms-bubble', { hasText: `【${SIGNATURE}】` }).waitFor();
  expect(await text(page.locator('[data-preview-count]'))).toBe('18 characters | 1 message');

  const manual = page.getByLabel('Manual addition');
  expect(await manual.isEnabled()).toBe(true);
  await manual.check();
  const numbersField = page.getByLabel('Phone numbers');
  expect(await numbersField.isVisible()).toBe(true);
  expect(await page.getByLabel('Recipient file (.xlsx, .xls, .csv, .txt)').isVisible()).toBe(false);
  const numbers = '13800138000, 13900139000\n13700137000,13600136000\n13800138000';
  await numbersField.fill(numbers);

  const sendAtField = page.getByLabel(`Date and time (${ZONE})`);
  expect(await sendAtField.isVisible()).toBe(false);
  await page.getByLabel('Scheduled', { exact: true }).check();
  expect(await sendAtField.isVisible()).toBe(true);
  const sendAt = zonedInputValue(2 * 3_600_000);
  await sendAtField.fill(sendAt);
  const chosen = { smsType: 'notification', signature: `【${SIGNATURE}】`, template: PLAIN_NAME, manual: true, numbers, scheduled: true, sendAt };
  expect(await formState(page)).toEqual(chosen);

  const draft = await checkRecipients(page);
  expect(await reportCounts(page)).toMatchObject({ rowsRead: '5', valid: '4', invalid: '0', duplicates: '1', messages: '4', segments: '4' });
  const summary = await text(page.locator('.summary'));
  expect(summary).toContain('typed by hand');
  expect(summary).toContain(`${sendAt.replace('T', ' ')} (${ZONE})`);
  expect(await text(page.locator('.empty'))).toBe('Every row is valid.');
  expect(await page.getByRole('button', { name: 'Confirm and send' }).count()).toBe(0);

  await navigateBy(page, () => page.getByRole('link', { name: 'Back to edit' }).click());
  expect(path(page)).toBe('/tasks/new');
  expect(await formState(page)).toEqual(chosen);
  expect(await numbersField.isVisible()).toBe(true);
  expect(await sendAtField.isVisible()).toBe(true);
  expect(await text(page.locator('.sms-bubble'))).toBe(`【${SIGNATURE}】${PLAIN}`);

  const again = await checkRecipients(page);
  expect(again).not.toBe(draft);
  expect(await reportCounts(page)).toMatchObject({ rowsRead: '5', valid: '4', duplicates: '1' });
  await navigateBy(page, () => page.getByRole('button', { name: 'Confirm schedule' }).click());
  expect(path(page)).toMatch(TASK_URL);
  const id = TASK_URL.exec(path(page))![1];
  await page.goto('/tasks');
  const row = await taskRow(page, id);
  expect(await text(row.locator('.badge'))).toBe('Scheduled');
  const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
  expect(cells.slice(0, 7)).toEqual([id, 'Notification', `【${SIGNATURE}】`, PLAIN_NAME, PLAIN, '4', `${sendAt.replace('T', ' ')} (scheduled)`]);
  // The draft left behind by "Back to edit" is not a task.
  expect(await page.locator(`tr[data-task-id="${draft}"]`).count()).toBe(0);
  // It is listed among the user's unconfirmed checks instead, with a link back to its report.
  expect(await page.locator(`tr[data-draft="${draft}"] a`).getAttribute('href')).toBe(`/tasks/${draft}/check`);
});

test('bad input: no manual numbers for a template with variables; a schedule in the past is refused on the same page, choices kept', async () => {
  const { page } = member;
  await page.goto('/tasks/new');
  await chooseTypeAndTemplate(page, TWO_VARS_NAME);
  const manual = page.getByLabel('Manual addition');
  expect(await manual.isDisabled()).toBe(true);
  expect(await page.getByLabel('Phone numbers').isDisabled()).toBe(true);
  const reason = 'This template has 2 variables: its recipients must come from a batch import with one parameter column per variable.';
  expect(await text(page.locator(`#${await manual.getAttribute('aria-describedby')}`))).toBe(reason);

  await navigateBy(page, () => page.getByLabel('Template', { exact: true }).selectOption({ label: PLAIN_NAME }));
  expect(await manual.isEnabled()).toBe(true);
  expect(await manual.getAttribute('aria-describedby')).toBeNull();
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: `【${OTHER_SIGNATURE}】` });
  await manual.check();
  await page.getByLabel('Phone numbers').fill('13800138000\n13900139000');
  await page.getByLabel('Scheduled', { exact: true }).check();
  const past = zonedInputValue(-3_600_000);
  await page.getByLabel(`Date and time (${ZONE})`).fill(past);
  const chosen = await formState(page);
  expect(chosen).toEqual({
    smsType: 'notification',
    signature: `【${OTHER_SIGNATURE}】`,
    template: PLAIN_NAME,
    manual: true,
    numbers: '13800138000\n13900139000',
    scheduled: true,
    sendAt: past,
  });

  // The refusal (422) replaces the page in place: the URL stays on the form.
  await page.getByRole('button', { name: 'Check recipients' }).click();
  const message = page.locator('#sendAt-error');
  await message.waitFor();
  expect(path(page)).toBe('/tasks/new');
  expect(await text(message)).toBe('Choose a time at least 1 minute in the future.');
  const sendAtField = page.getByLabel(`Date and time (${ZONE})`);
  expect(await sendAtField.getAttribute('aria-invalid')).toBe('true');
  expect(await sendAtField.getAttribute('aria-describedby')).toBe('sendAt-error');
  expect(await page.locator('.field-error').count()).toBe(1);
  expect(await formState(page)).toEqual(chosen);
  expect(await text(page.locator('.sms-bubble'))).toBe(`【${OTHER_SIGNATURE}】${PLAIN}`);
  // The page's scripts run again on the re-rendered form: the chosen panels are the ones shown.
  expect(await page.getByLabel('Phone numbers').isVisible()).toBe(true);
  expect(await sendAtField.isVisible()).toBe(true);
  expect(await page.getByRole('button', { name: 'Check recipients' }).isEnabled()).toBe(true);

  // Corrected, the same form goes through.
  await sendAtField.fill(zonedInputValue(3_600_000));
  await checkRecipients(page);
  expect(await reportCounts(page)).toMatchObject({ rowsRead: '2', valid: '2' });
});

/**
 * Waits until the live count of manual numbers reads `expected` (it follows typing after a short pause). The wait
 * is generous: with 100,000 lines in the box the browser lays out 1.2 MB of text, which on a loaded machine can take
 * seconds; this checks that the count arrives, not how fast (speed is for the bench).
 */
async function countShows(page: Page, expected: string): Promise<void> {
  await page.waitForFunction((want) => (document.querySelector('[data-manual-count]')?.textContent ?? '').trim() === want, expected, { timeout: 30_000 });
}

test('manual numbers: spaces stay inside a number; a live count of the entries, also after a paste of 100,000 lines', async () => {
  const { page } = member;
  await page.goto('/tasks/new');
  await chooseTypeAndTemplate(page, PLAIN_NAME);
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: `【${SIGNATURE}】` });
  await page.getByLabel('Manual addition').check();
  const numbersField = page.getByLabel('Phone numbers');
  await numbersField.fill('139 0013 9000');
  await countShows(page, '1 number');
  await numbersField.fill('139 0013 9000\n+86 137 0013 7000，\n\n');
  await countShows(page, '2 numbers');

  const lines = Array.from({ length: 100_000 }, (_v, i) => String(13_000_000_000 + i)).join('\n');
  // What a paste does to the box: the whole text arrives at once, as one input event.
  await numbersField.evaluate((area: HTMLTextAreaElement, pasted) => {
    area.value = pasted;
    area.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, lines);
  await countShows(page, '100,000 numbers');
  // The page still answers at once: typing one more entry is counted.
  await numbersField.press('Control+End', { timeout: 30_000 });
  // Each key re-lays out the 1.2 MB box: the same generous wait as countShows.
  await numbersField.pressSequentially(',13800138000', { timeout: 30_000 });
  await countShows(page, '100,001 numbers');

  await numbersField.fill('139 0013 9000\n+86 137 0013 7000');
  await checkRecipients(page);
  expect(await reportCounts(page)).toMatchObject({ rowsRead: '2', valid: '2', invalid: '0' });
  // The count itself is one pass of a few milliseconds over the 1.2 MB; the browser's layout of that much text in a
  // textarea is what takes seconds when the machine is busy, hence this test's own time budget.
}, 120_000);
