import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Locator, type Page, type Response } from 'playwright-core';
import { makeTestApp, PASSWORD, type TestApp } from './app';
import type { DbOptions } from '../../src/db/knex';

/** Debian's chromium; CI installs it with apt-get when it is missing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Chromium logs every document answered with an error status. A refused form is meant to come back as 422 with
 * the page re-rendered, so that one message is expected; any other failed load (a script, a stylesheet, a 500
 * page) is still an error.
 */
function isRefusedFormPage(page: Page, msg: ConsoleMessage): boolean {
  return msg.text().startsWith('Failed to load resource: the server responded with a status of 422 ') && msg.location().url === page.url();
}

/** One browser user: its own context (cookies, session) and one page. */
export interface BrowserSession {
  context: BrowserContext;
  page: Page;
}

export interface BrowserHarness {
  baseUrl: string;
  testApp: TestApp;
  browser: Browser;
  /** A fresh context, so each user (admin, member) has a separate session. */
  newSession(options?: { locale?: string }): Promise<BrowserSession>;
  /** Page errors and console errors seen since the last call; any of them means a script or the CSP broke something. */
  takeErrors(): string[];
  close(): Promise<void>;
}

/** Starts a real app on a file database at 127.0.0.1 on a free port, and a headless chromium to drive it. */
export async function startBrowserHarness(options: { dispatch?: boolean | 'accounts'; db?: DbOptions } = {}): Promise<BrowserHarness> {
  const testApp = await makeTestApp({ file: true, dispatch: options.dispatch, db: options.db, smpp: options.dispatch === 'accounts' ? { minBackoffMs: 100, maxBackoffMs: 500, stopWaitMs: 200 } : undefined });
  let server: Server | undefined;
  let browser: Browser | undefined;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = testApp.app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  } catch (err) {
    server?.close();
    await testApp.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const errors: string[] = [];
  const contexts: BrowserContext[] = [];
  const runningServer = server;
  const runningBrowser = browser;

  function watch(page: Page) {
    page.on('pageerror', (err) => errors.push(`pageerror on ${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error' || isRefusedFormPage(page, msg)) return;
      errors.push(`console error on ${page.url()}: ${msg.text()} (${msg.location().url})`);
    });
  }

  return {
    baseUrl,
    testApp,
    browser: runningBrowser,
    async newSession({ locale = 'en-US' } = {}) {
      const context = await runningBrowser.newContext({ baseURL: baseUrl, locale, viewport: { width: 1280, height: 900 } });
      context.setDefaultTimeout(5000);
      context.on('page', watch);
      contexts.push(context);
      const page = await context.newPage();
      return { context, page };
    },
    takeErrors() {
      return errors.splice(0);
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await runningBrowser.close();
      // Chromium may keep idle keep-alive sockets open; drop them so close() does not wait for their timeout.
      runningServer.closeAllConnections();
      await new Promise<void>((resolve) => runningServer.close(() => resolve()));
      await testApp.close();
    },
  };
}

/**
 * Runs something that loads a page (a click that submits a form or follows a link, a select that submits, a goto)
 * and waits for that page, so the next step never reads the page being left. A locator is clicked.
 */
export async function navigateBy(page: Page, action: (() => Promise<unknown>) | Locator): Promise<Response> {
  const [response] = await Promise.all([page.waitForNavigation(), typeof action === 'function' ? action() : action.click()]);
  if (!response) throw new Error('the action did not load a page');
  return response;
}

/**
 * Signs in on /login with the password every test user has (addUser); the page is left where the login leads (the
 * code step, for a user with two-factor sign-in). The form is found by its ids, so this works in every language.
 */
export async function signIn(page: Page, username: string): Promise<Response> {
  await page.goto('/login');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(PASSWORD);
  const response = await navigateBy(page, page.locator('form[action="/login"] button[type=submit]'));
  // A refused sign-in re-renders /login; failing here names the cause instead of a missing link later on.
  if (new URL(page.url()).pathname === '/login') throw new Error(`signing in as ${username} was refused`);
  return response;
}

/** A new browser user (its own context) already signed in as username. */
export async function signedInSession(harness: BrowserHarness, username: string, options: { locale?: string } = {}): Promise<BrowserSession> {
  const session = await harness.newSession(options);
  await signIn(session.page, username);
  return session;
}

/**
 * Fails every test after which the browser reported a page or console error. The harness is read when each test
 * ends, since beforeAll starts it after this is called; `expected` lets through the errors a test means to cause.
 */
export function failOnBrowserErrors(harness: () => BrowserHarness, expected: (error: string) => boolean = () => false): void {
  afterEach(() => {
    expect(harness().takeErrors().filter((error) => !expected(error))).toEqual([]);
  });
}
