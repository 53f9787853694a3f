/**
 * Every page of the console, as an admin, in both languages: axe-core finds no WCAG 2 A/AA violation, and at
 * phone width (390×844) no page is wider than the viewport. Data is written straight into the database so each
 * page has something to show (a list row, a task with messages, a pending template).
 */
import { startBrowserHarness, failOnBrowserErrors, signIn, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { axeViolations } from '../helpers/axe';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { insertTaskRow } from '../helpers/task-rows';
import { insertCatalogueItem } from '../../src/queries/catalogue.queries';
import { recordInboundMessage } from '../../src/services/inbound-messages.service';
import { createDraft } from '../../src/services/drafts.service';
import { findSignature, findTemplate } from '../../src/queries/catalogue.queries';
import { findUserById } from '../../src/queries/users.queries';
import { checkRecipients } from '../../src/sms/recipient-check';
import { packRecipients } from '../../src/drafts/recipient-chunks';
import { addOptOut } from '../../src/services/opt-outs.service';

const PHONE = { width: 390, height: 844 };

let harness: BrowserHarness;
let pages: string[];

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  const adminId = await addUser(db, 'admin', 'admin');
  const memberId = await addUser(db, 'mia', 'member');
  const signatureId = await approvedSignature(db, '腾讯云', adminId);
  const templateId = await approvedTemplate(db, '您的包裹已到达{1}，请及时领取。', 'notification', '到货通知', adminId);
  const pendingTemplateId = await insertCatalogueItem(db, 'templates', { name: 'pending one', sms_type: 'marketing', content: '新品上市，欢迎选购。' }, memberId);
  const taskId = await insertTaskRow(db, {
    status: 'sending',
    createdBy: memberId,
    signatureId,
    templateId,
    recipients: 3,
    submitted: 2,
    delivered: 1,
    phones: ['13900139000', '13700137000', '13800138000'],
  });
  const accountId = (await db('carrier_accounts').first('id')).id as number;
  await recordInboundMessage(db, { accountId, phone: '13800138000', text: '退订 — a reply long enough to need wrapping at phone width, as real replies are', receivedAt: '2026-12-01T02:00:00.000Z' });
  // An unconfirmed check of the admin's, from a file and scheduled at night: /tasks lists it, and its report shows
  // the "choose the file again" and marketing-at-night notices.
  const signature = (await findSignature(db, signatureId))!;
  const template = { ...(await findTemplate(db, templateId))!, smsType: 'marketing' };
  const report = checkRecipients([{ rowNumber: 2, cells: ['13800138000', '上海'] }, { rowNumber: 3, cells: ['12800138000', '北京'] }], { signature: signature.name, templateContent: template.content });
  const tomorrowNight = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000 + 15 * 3_600_000); // 23:00 in Shanghai
  const draftId = await createDraft(db, {
    user: (await findUserById(db, adminId))!, signature, template, sendMode: 'scheduled', sendAt: tomorrowNight, source: 'import', fileName: 'recipients.xlsx',
    report, recipients: packRecipients(report.valid), formState: {}, timeZone: 'Asia/Shanghai',
  });
  await addOptOut(db, { phone: '13600136000', reason: 'asked by phone', source: 'manual', actor: { userId: adminId, apiKeyId: null } });
  pages = [
    '/tasks',
    `/tasks/${draftId}/check`,
    '/tasks/new',
    `/tasks/${taskId}`,
    '/templates',
    '/templates/new',
    `/templates/${templateId}`,
    `/templates/${pendingTemplateId}`,
    `/templates/${pendingTemplateId}/edit`,
    '/signatures',
    '/signatures/new',
    `/signatures/${signatureId}`,
    '/settings',
    '/users',
    `/users/${memberId}`,
    '/api-keys',
    '/carriers',
    '/inbox',
    '/opt-outs',
    '/audit',
    `/carriers/${(await db('carrier_accounts').first('id')).id}/test-send`,
    // Issue 11: the cloud kinds' fields on the new-account form, and the provider mapping pages.
    '/carriers/new',
    `/templates/${templateId}/mappings`,
    `/signatures/${signatureId}/mappings`,
    '/api-docs',
    '/account/password',
  ];
}, 30_000);

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

describe.each([['en-US'], ['zh-CN']])('every page in %s', (locale) => {
  let session: BrowserSession;

  beforeAll(async () => {
    session = await harness.newSession({ locale });
    await signIn(session.page, 'admin');
  });

  test('axe finds no WCAG 2 A/AA violation', async () => {
    const found: Record<string, string[]> = {};
    for (const url of ['/login', ...pages]) {
      if (url === '/login') {
        const anonymous = await harness.newSession({ locale });
        await anonymous.page.goto(url);
        const violations = await axeViolations(anonymous.page);
        if (violations.length > 0) found[url] = violations;
        continue;
      }
      const response = await session.page.goto(url);
      expect([url, response?.status()]).toEqual([url, 200]);
      const violations = await axeViolations(session.page);
      if (violations.length > 0) found[url] = violations;
    }
    expect(found).toEqual({});
  }, 60_000);

  test('at 390×844 no page is wider than the viewport', async () => {
    const { page } = session;
    await page.setViewportSize(PHONE);
    const tooWide: Record<string, number> = {};
    for (const url of pages) {
      await page.goto(url);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > PHONE.width) tooWide[url] = width;
    }
    expect(tooWide).toEqual({});
  }, 60_000);

  test('at 390×844 the header is a menu that opens without script, and the preview sits above the submit button', async () => {
    const context = await harness.browser.newContext({ baseURL: harness.baseUrl, locale, viewport: PHONE, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await signIn(page, 'admin');
      await page.goto('/tasks/new');
      const inlineNav = page.locator('.topbar > .nav');
      const menuNav = page.locator('.topbar-menu .nav');
      expect(await inlineNav.isVisible()).toBe(false);
      expect(await menuNav.isVisible()).toBe(false);
      const header = await page.locator('.topbar').boundingBox();
      expect(header!.height).toBeLessThan(PHONE.height * 0.15);
      await page.locator('.topbar-menu > summary').click();
      expect(await menuNav.isVisible()).toBe(true);
      expect(await menuNav.locator('a[href="/templates"]').isVisible()).toBe(true);

      const preview = await page.locator('.preview-pane').boundingBox();
      const submit = await page.locator('[data-check-button]').boundingBox();
      expect(preview!.y + preview!.height).toBeLessThanOrEqual(submit!.y);
    } finally {
      await context.close();
    }
  });
});

test('the template editor counts with the longest approved signature as it is typed, and warns when it cannot fit', async () => {
  const session = await harness.newSession();
  await signIn(session.page, 'admin');
  const { page } = session;
  await page.goto('/templates/new');
  const count = page.locator('[data-fit-count]');
  await page.locator('#content').fill('好'.repeat(66));
  await page.waitForFunction(() => document.querySelector('[data-fit-count]')?.textContent?.includes('71 characters'));
  expect((await count.textContent())?.trim()).toBe('With 【腾讯云】 (the longest approved signature): 71 characters | 2 messages');
  await page.locator('#content').fill('好'.repeat(500));
  await page.locator('[data-fit-warning]').waitFor();
  expect(await page.locator('[data-fit-warning]').textContent()).toContain('Too long to send with any approved signature');
});
