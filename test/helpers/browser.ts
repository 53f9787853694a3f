import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { makeTestApp, type TestApp } from './app';
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
