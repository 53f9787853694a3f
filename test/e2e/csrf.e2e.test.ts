/**
 * The attack of issue 9 in a real browser: a page on a sibling origin (same host, another port: same-site, so the
 * browser does send the Lax session cookie) auto-submits multipart forms without a token at the console.
 */
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBrowserHarness, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { createApiKey } from '../../src/services/api-keys.service';

let harness: BrowserHarness;
let admin: BrowserSession;
let attacker: Server;
let attackerUrl: string;
let keyId: number;
let memberId: number;

/** The attacker's page: one multipart form a path, posted on load. */
function attackPage(action: string): string {
  return `<!doctype html><form id="f" method="post" enctype="multipart/form-data" action="${action}">
<input name="reason" value="pwned"></form><script>document.getElementById('f').submit()</script>`;
}

beforeAll(async () => {
  harness = await startBrowserHarness();
  const db = harness.testApp.db;
  const adminId = await addUser(db, 'admin', 'admin');
  memberId = await addUser(db, 'member');
  keyId = (await createApiKey(db, { name: 'victim', createdBy: adminId })).id;
  attacker = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(attackPage(harness.baseUrl + decodeURIComponent(new URL(req.url!, 'http://x').searchParams.get('to')!)));
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  admin = await signedInSession(harness, 'admin');
});

afterAll(async () => {
  attacker?.closeAllConnections();
  await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
  await harness?.close();
});

test.each([
  ['revoke an API key', () => `/api-keys/${keyId}/revoke`],
  ['disable a user', () => `/users/${memberId}/disable`],
])('a sibling-origin page cannot %s with a multipart post: 403, nothing changes', async (_what, target) => {
  const page = admin.page;
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(harness.baseUrl)),
    page.goto(`${attackerUrl}?to=${encodeURIComponent(target())}`),
  ]);
  expect(response.status()).toBe(403);
  await page.waitForLoadState();
  expect(await page.textContent('body')).toContain('This request came from another site, so it was refused.');
  const db = harness.testApp.db;
  expect((await db('api_keys').where({ id: keyId }).first()).revoked_at).toBeNull();
  expect((await db('users').where({ id: memberId }).first()).disabled_at).toBeNull();
  // The refused page is the only error the browser saw.
  expect(harness.takeErrors().filter((e) => !e.includes('status of 403'))).toEqual([]);
  // And the admin is still logged in.
  const own = await page.goto('/api-keys');
  expect(own?.status()).toBe(200);
});
