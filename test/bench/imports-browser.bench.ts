/**
 * Issue 15's browser-timed case: the wait as a user sees it, in Chromium (Debian's, through playwright-core), from
 * the click on "Check recipients" with a 100,000-row file chosen to the check page loaded. It includes what the
 * HTTP figures do not: the form's script sending the file and polling the import's progress, the redirect, and
 * the browser's own parsing and layout of the check page.
 */
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH } from '../helpers/browser';
import { PASSWORD } from '../helpers/app';
import { dropDraft, type ProcessServer } from './server';
import { SIGNATURE } from './inputs';
import { fmtMs, log } from './report';

const TEMPLATE_NAME = '发货通知';
const TYPES: Record<string, string> = { xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', csv: 'text/csv' };

/** `runs` imports of `file` through the send form; returns each wait in ms, or null when Chromium is missing. */
export async function browserImportTimes(s: ProcessServer, file: string, runs: number): Promise<number[] | null> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    log(`  browser case skipped: no Chromium at ${CHROMIUM_PATH}`);
    return null;
  }
  const buffer = fs.readFileSync(file);
  const name = file.split('/').pop()!;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const times: number[] = [];
  try {
    const context = await browser.newContext({ baseURL: s.base, locale: 'en' });
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('Username').fill('mia');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Log in' }).click()]);
    for (let i = 0; i < runs; i += 1) {
      await page.goto('/tasks/new');
      await Promise.all([page.waitForNavigation(), page.getByLabel('SMS type').selectOption({ label: 'Notification' })]);
      await Promise.all([page.waitForNavigation(), page.getByLabel('Template', { exact: true }).selectOption({ label: TEMPLATE_NAME })]);
      await page.getByLabel('Signature', { exact: true }).selectOption({ label: `【${SIGNATURE}】` });
      await page.getByLabel('Recipient file (.xlsx, .xls, .csv, .txt)').setInputFiles({ name, mimeType: TYPES[name.split('.').pop()!], buffer });
      const arrived = page.waitForURL(/\/tasks\/D[0-9a-f]{12}\/check$/, { waitUntil: 'load', timeout: 120_000 });
      const started = performance.now();
      await page.getByRole('button', { name: 'Check recipients' }).click();
      await arrived;
      const ms = performance.now() - started;
      times.push(ms);
      const handle = /\/tasks\/(D[0-9a-f]{12})\/check$/.exec(page.url())![1];
      log(`  browser ${name} #${i + 1}: check page shown after ${fmtMs(ms)}`);
      await dropDraft(s, handle);
    }
  } finally {
    await browser.close();
  }
  return times;
}
