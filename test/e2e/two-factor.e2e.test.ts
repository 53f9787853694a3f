/**
 * Two-factor sign-in in a real browser (issue 14): enrol from the account page by reading the key shown as text
 * and computing the code with otplib, as an authenticator app would; sign out; sign in with the password and a
 * code. The QR image must load under the CSP, the admin requirement holds in the browser, and the pages pass axe
 * in both languages.
 */
import { startBrowserHarness, failOnBrowserErrors, signIn, type BrowserHarness } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { axeViolations } from '../helpers/axe';
import { codeFor } from '../helpers/two-factor';
import { saveSettings } from '../../src/services/settings.service';

let harness: BrowserHarness;

beforeAll(async () => {
  harness = await startBrowserHarness();
  await addUser(harness.testApp.db, 'admin', 'admin');
  await addUser(harness.testApp.db, 'lin', 'admin');
  await addUser(harness.testApp.db, 'gail', 'admin');
}, 30_000);

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

test('enrol by reading the key from the page, sign out, sign in with a code', async () => {
  const session = await harness.newSession();
  const { page } = session;
  await signIn(session.page, 'admin');
  expect(new URL(page.url()).pathname).toBe('/tasks');

  await Promise.all([page.waitForURL('**/account/two-factor'), page.locator('.topbar-end a[href="/account/two-factor"]').click()]);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Set up two-factor sign-in' }).click()]);
  const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
  // Decoded and drawn: the CSP let the data: image through.
  expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  const secret = (await page.locator('[data-totp-secret]').textContent())!.replace(/\s/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);

  // A wrong code first: the page says so beside the field, and the same key stays.
  const wrong = String((Number(codeFor(secret)) + 1) % 1_000_000).padStart(6, '0');
  await page.getByLabel('Code').fill(wrong);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click()]);
  await expect(page.locator('#code-error').textContent()).resolves.toMatch(/^That code does not match this key/);
  expect((await page.locator('[data-totp-secret]').textContent())!.replace(/\s/g, '')).toBe(secret);

  await page.getByLabel('Code').fill(codeFor(secret));
  await Promise.all([page.waitForURL('**/account/two-factor/recovery-codes'), page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click()]);
  const codes = await page.locator('[data-recovery-codes] li').allTextContents();
  expect(codes).toHaveLength(10);
  expect(await axeViolations(page)).toEqual([]);
  await Promise.all([page.waitForURL('**/account/two-factor'), page.getByRole('link', { name: 'I have saved them' }).click()]);
  await expect(page.locator('[data-two-factor-state]').getAttribute('data-two-factor-state')).resolves.toBe('on');
  expect(await axeViolations(page)).toEqual([]);

  await Promise.all([page.waitForURL('**/login'), page.locator('.topbar-end').getByRole('button', { name: 'Log out' }).click()]);
  await signIn(session.page, 'admin');
  expect(new URL(page.url()).pathname).toBe('/login/code');
  // The code the app will show next: the current one was spent on the enrolment.
  await page.getByLabel('Code').fill(codeFor(secret, 1));
  await Promise.all([page.waitForURL('**/tasks'), page.getByRole('button', { name: 'Sign in' }).click()]);
  await expect(page.locator('.whoami').textContent()).resolves.toContain('admin');

  // And once more with a recovery code, which the flash then counts down.
  await Promise.all([page.waitForURL('**/login'), page.locator('.topbar-end').getByRole('button', { name: 'Log out' }).click()]);
  await signIn(session.page, 'admin');
  await page.getByLabel('Code').fill(codes[0]);
  await Promise.all([page.waitForURL('**/tasks'), page.getByRole('button', { name: 'Sign in' }).click()]);
  await expect(page.locator('.flash').textContent()).resolves.toContain('9 left');
}, 60_000);

test('with two-factor sign-in required, an admin without it lands on enrolment and every link leads back there until it is on', async () => {
  await saveSettings(harness.testApp.db, { requireTwoFactorForAdmins: true });
  try {
    const session = await harness.newSession();
    const { page } = session;
    await signIn(session.page, 'gail');
    expect(new URL(page.url()).pathname).toBe('/account/two-factor');
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('Administrators must use two-factor sign-in here.');
    await Promise.all([page.waitForNavigation(), page.locator('.topbar > .nav a[href="/settings"]').click()]);
    expect(new URL(page.url()).pathname).toBe('/account/two-factor');

    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Set up two-factor sign-in' }).click()]);
    const secret = (await page.locator('[data-totp-secret]').textContent())!.replace(/\s/g, '');
    await page.getByLabel('Code').fill(codeFor(secret));
    await Promise.all([page.waitForURL('**/account/two-factor/recovery-codes'), page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click()]);
    await Promise.all([page.waitForNavigation(), page.locator('.topbar > .nav a[href="/settings"]').click()]);
    expect(new URL(page.url()).pathname).toBe('/settings');
    await session.context.close();
  } finally {
    await saveSettings(harness.testApp.db, { requireTwoFactorForAdmins: false });
  }
}, 60_000);

describe.each([['en-US'], ['zh-CN']])('the two-factor pages in %s', (locale) => {
  test('axe finds no WCAG 2 A/AA violation, and none is wider than a phone', async () => {
    const session = await harness.newSession({ locale });
    const { page } = session;
    await signIn(session.page, 'lin');
    const found: Record<string, string[]> = {};
    const tooWide: Record<string, number> = {};
    const check = async (name: string) => {
      const violations = await axeViolations(page);
      if (violations.length > 0) found[name] = violations;
      await page.setViewportSize({ width: 390, height: 844 });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) tooWide[name] = width;
      await page.setViewportSize({ width: 1280, height: 900 });
    };
    await page.goto('/account/two-factor');
    await check('off');
    await Promise.all([page.waitForNavigation(), page.locator('form[action="/account/two-factor/start"] button').click()]);
    await check('enrolling');
    await page.locator('#code').fill('000');
    await Promise.all([page.waitForNavigation(), page.locator('form[action="/account/two-factor/confirm"] button').click()]);
    await check('enrolling, refused code');
    expect(found).toEqual({});
    expect(tooWide).toEqual({});
    await session.context.close();
  }, 60_000);

  test('the code step page passes axe', async () => {
    const session = await harness.newSession({ locale });
    await signIn(session.page, 'admin');
    expect(new URL(session.page.url()).pathname).toBe('/login/code');
    expect(await axeViolations(session.page)).toEqual([]);
    await session.context.close();
  }, 60_000);
});
