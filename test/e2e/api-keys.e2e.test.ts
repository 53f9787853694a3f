/**
 * API keys in a real browser (issue 12, item 6): the create is POST-redirect-GET, so a reload shows the list and
 * never makes a second key; the copy button (public/js/app.js) puts the key on the clipboard; the revoke prompt
 * names the key's prefix as well as its name.
 */
import { startBrowserHarness, failOnBrowserErrors, signIn, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';


const KEY = /^qf_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$/;

let harness: BrowserHarness;
let admin: BrowserSession;

beforeAll(async () => {
  harness = await startBrowserHarness();
  await addUser(harness.testApp.db, 'admin', 'admin');
  admin = await harness.newSession();
  await admin.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: harness.baseUrl });
  await signIn(admin.page, 'admin');
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

test('a new key is shown once with a copy button; a reload shows the list and creates no second key; revoke names the prefix', async () => {
  const { page } = admin;
  const db = harness.testApp.db;
  await page.goto('/api-keys');
  await page.getByLabel('Name').fill('CRM receipts');
  await Promise.all([page.waitForURL('**/api-keys/created'), page.getByRole('button', { name: 'Create key' }).click()]);
  const key = await page.getByLabel('API key').inputValue();
  const prefix = KEY.exec(key)![1];

  const copy = page.getByRole('button', { name: 'Copy' });
  await copy.click();
  await page.getByRole('button', { name: 'Copied' }).waitFor();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

  await page.reload();
  expect(new URL(page.url()).pathname).toBe('/api-keys');
  expect(await page.content()).not.toContain(key);
  expect(await db('api_keys').count({ n: '*' })).toEqual([{ n: 1 }]);

  let prompt = '';
  page.once('dialog', (dialog) => {
    prompt = dialog.message();
    void dialog.dismiss();
  });
  await page.getByRole('button', { name: 'Revoke' }).click();
  expect(prompt).toBe(`Revoke the key “CRM receipts” (qf_${prefix}_…)? Requests with it are refused at once; this cannot be undone.`);
  expect((await db('api_keys').first()).revoked_at).toBeNull();
});
