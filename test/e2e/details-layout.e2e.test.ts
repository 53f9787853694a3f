/**
 * Issue 12, item 12 in a real browser: status pills never wrap, and the message table keeps readable column widths,
 * on the task list and the task details, at desktop and phone width, in English and in Chinese.
 */
import type { Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, signIn, type BrowserHarness } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { seedTask } from '../helpers/tasks';
import { numbersWithOutcome, runDueTasks } from '../helpers/outcomes';

const MEMBER = 'mia';
let harness: BrowserHarness;
let taskId: string;

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  const memberId = await addUser(db, MEMBER, 'member');
  const numbers = [...numbersWithOutcome(3, '0000', '138'), ...numbersWithOutcome(2, '0001', '139'), ...numbersWithOutcome(2, '0002', '136')];
  // A long template, so the content column has something to squeeze.
  ({ taskId } = await seedTask(db, numbers, { userId: memberId, content: '尊敬的客户，您好！您本月的账单已经生成，请登录官方网站或者手机客户端查看详情，如有疑问请致电客服热线，感谢您的支持与理解。' }));
  await runDueTasks(db);
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

/** Every status pill on the page: its text, its white-space, and how many lines it takes. */
function pills(page: Page) {
  return page.locator('.badge').evaluateAll((els) =>
    els.map((el) => {
      const style = getComputedStyle(el);
      const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
      return { text: el.textContent!.trim(), whiteSpace: style.whiteSpace, lines: Math.round(el.getBoundingClientRect().height / lineHeight), rects: el.getClientRects().length };
    }),
  );
}

describe.each([
  [1280, 'en-US'],
  [390, 'en-US'],
  [390, 'zh-CN'],
])('at %i px in %s', (width, locale) => {
  test('status pills stay on one line on the list and the details', async () => {
    const { page, context } = await harness.newSession({ locale });
    await page.setViewportSize({ width, height: 844 });
    await signIn(page, MEMBER);
    for (const url of ['/tasks', `/tasks/${taskId}`]) {
      await page.goto(url);
      const found = (await pills(page)).filter((p) => p.text !== '');
      expect(found.length).toBeGreaterThan(0);
      for (const p of found) expect({ url, ...p }).toEqual({ url, text: p.text, whiteSpace: 'nowrap', lines: 1, rects: 1 });
    }
    await context.close();
  });

  test('the message table keeps readable widths: content at least 16 characters wide, numbers and times on one line', async () => {
    const { page, context } = await harness.newSession({ locale });
    await page.setViewportSize({ width, height: 844 });
    await signIn(page, MEMBER);
    await page.goto(`/tasks/${taskId}`);
    const cells = await page.locator('[data-message-id]').first().evaluate((row) => {
      const cellsOf = Array.from(row.children) as HTMLElement[];
      // A cell is as tall as its row: count the lines its text takes instead.
      const oneLine = (el: HTMLElement) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.bottom))).size === 1;
      };
      const content = row.querySelector('.message-content') as HTMLElement;
      return {
        contentWidth: content.getBoundingClientRect().width,
        rootFont: parseFloat(getComputedStyle(document.documentElement).fontSize),
        phoneOneLine: oneLine(row.querySelector('.phone-cell') as HTMLElement),
        nowrapOneLine: cellsOf.filter((c) => c.classList.contains('nowrap')).map((c) => c.textContent!.trim() === '—' || oneLine(c)),
      };
    });
    expect(cells.contentWidth).toBeGreaterThanOrEqual(16 * cells.rootFont);
    expect(cells.phoneOneLine).toBe(true);
    expect(cells.nowrapOneLine).toEqual([true, true, true]);
    // The table scrolls inside its own box; the page itself never gets wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await context.close();
  });
});
