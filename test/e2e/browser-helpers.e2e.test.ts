/**
 * The shared browser-test helpers (test/helpers/browser.ts) that every e2e file signs in and navigates with: a
 * refused sign-in must fail where it happens, and navigateBy must hand back the page the action loaded.
 */
import { failOnBrowserErrors, navigateBy, signIn, signedInSession, startBrowserHarness, type BrowserHarness } from '../helpers/browser';
import { addUser } from '../helpers/app';

let harness: BrowserHarness;

beforeAll(async () => {
  harness = await startBrowserHarness();
  await addUser(harness.testApp.db, 'admin', 'admin');
  await addUser(harness.testApp.db, 'mia', 'member');
});

afterAll(async () => {
  await harness?.close();
});

// The one error a test here means to cause: chromium logs the 404 page navigateBy is checked with.
failOnBrowserErrors(() => harness, (error) => error.includes('status of 404') && error.endsWith('/no-such-page)'));

test('signedInSession: a new user signed in, on the page the login leads to', async () => {
  const { page } = await signedInSession(harness, 'mia');
  expect(new URL(page.url()).pathname).toBe('/tasks');
  expect(((await page.locator('.whoami').textContent()) ?? '').trim()).toBe('mia · Member');
});

test('signIn: a refused sign-in fails there, naming the user, instead of on a later step', async () => {
  const { page } = await harness.newSession();
  await expect(signIn(page, 'nobody')).rejects.toThrow('signing in as nobody was refused');
  expect(new URL(page.url()).pathname).toBe('/login');
});

test('navigateBy: with a locator or an action, it waits for the page loaded and returns its response', async () => {
  const { page } = await signedInSession(harness, 'admin');
  const byLocator = await navigateBy(page, page.getByRole('link', { name: 'Audit log' }));
  expect(byLocator.status()).toBe(200);
  expect(new URL(page.url()).pathname).toBe('/audit');
  const byAction = await navigateBy(page, () => page.goto('/no-such-page'));
  expect(byAction.status()).toBe(404);
  expect(new URL(page.url()).pathname).toBe('/no-such-page');
});
