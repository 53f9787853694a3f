import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import type { Db, DbOptions } from '../../src/db/knex';
import { createTestDatabase, onPostgres } from './test-db';
import { createLogger } from '../../src/log';
import type { Config } from '../../src/config';
import { createUser } from '../../src/services/users.service';
import type { Role } from '../../src/queries/users.queries';
import { Dispatcher } from '../../src/services/dispatcher.service';
import { StubCarrier } from '../../src/carrier/stub.carrier';
import { getSettings } from '../../src/services/settings.service';
import { CarrierPool } from '../../src/services/carrier-pool.service';
import type { SmppCarrierOptions } from '../../src/carrier/smpp.carrier';

export interface TestApp {
  app: Express;
  db: Db;
  config: Config;
  logLines: string[];
  /** With `dispatch: 'accounts'`: the dispatcher and its carrier pool (one carrier per enabled account). */
  dispatcher?: Dispatcher;
  carriers?: CarrierPool;
  close(): Promise<void>;
}

/**
 * A real app on a fresh, fully migrated database: SQLite (in memory unless a file is asked for), or under
 * `npm run test:pg` a PostgreSQL database of its own (test-db.ts).
 */
/**
 * `dispatch: true` adds the real dispatcher with the stub carrier (its settings from the database), ticking
 * every 300 ms and woken by confirms, as the server runs it.
 */
export async function makeTestApp(
  options: { file?: boolean; env?: Partial<Config>; dispatch?: boolean | 'accounts'; db?: DbOptions; smpp?: SmppCarrierOptions } = {},
): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-test-'));
  // A file given in env (the pages bench's seeded one) is the app's database; it was ignored, and the app started on an empty one.
  const databaseFile = options.env?.databaseFile ?? (options.file ? path.join(dataDir, 'qunfa.sqlite') : ':memory:');
  const database = await createTestDatabase({ file: databaseFile, db: options.db });
  const config: Config = Object.freeze({
    port: 0,
    dataDir,
    databaseFile,
    databaseUrl: onPostgres() ? database.target : undefined,
    sessionSecret: 'test-secret-test-secret-test-secret-0123',
    secretKey: Buffer.alloc(32, 7),
    trustProxy: false,
    timeZone: 'Asia/Shanghai',
    logLevel: 'info' as const,
    dispatchLeaseMs: 30_000,
    dispatchTickSeconds: 2,
    ...options.env,
  });
  const { db } = database;
  const logLines: string[] = [];
  const logger = createLogger('info', (line) => logLines.push(line));
  const settings = () => getSettings(db, config);
  const stub = new StubCarrier(db, async () => (await settings()).stubCarrier);
  // 'accounts': as the server runs it, every enabled carrier account (SMPP ones bind) through the carrier pool.
  const carriers = options.dispatch === 'accounts' ? new CarrierPool(db, { db, secretKey: config.secretKey, logger, stub, smpp: options.smpp }, logger) : undefined;
  const dispatcher = options.dispatch
    ? new Dispatcher(db, carriers ?? stub, settings, logger, { leaseMs: config.dispatchLeaseMs, carrierWaitMs: carriers ? 300 : undefined })
    : undefined;
  const ticker = dispatcher ? setInterval(() => void dispatcher.tick(), 300) : undefined;
  const app = createApp({ db, config, logger, wakeDispatcher: dispatcher ? () => dispatcher.wake() : undefined, carriers });
  return {
    app,
    db,
    config,
    logLines,
    dispatcher,
    carriers,
    async close() {
      if (ticker) clearInterval(ticker);
      await dispatcher?.stop();
      await carriers?.stop();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const PASSWORD = 'correct horse battery';

export async function addUser(db: Db, username: string, role: Role = 'member', password = PASSWORD): Promise<number> {
  return createUser(db, { username, password, role });
}

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1];
}

export type Agent = ReturnType<typeof request.agent>;

/** GETs `page` and returns its CSRF token, as a browser would have it before posting. */
export async function tokenFor(agent: Agent, page = '/login'): Promise<string> {
  const res = await agent.get(page);
  return csrfFrom(res.text);
}

export async function loginAs(app: Express, username: string, password = PASSWORD): Promise<Agent> {
  const agent = request.agent(app);
  const _csrf = await tokenFor(agent, '/login');
  const res = await agent.post('/login').type('form').send({ username, password, _csrf });
  if (res.status !== 303) throw new Error(`login as ${username} failed: ${res.status}`);
  return agent;
}

/** Whether the agent's session still carries its login (a page answers, rather than sending to /login). */
export async function loggedIn(agent: Agent): Promise<boolean> {
  const res = await agent.get('/signatures');
  if (res.status === 200) return true;
  expect([res.status, res.headers.location]).toEqual([303, '/login?next=%2Fsignatures']);
  return false;
}

/** POSTs a form with a fresh CSRF token taken from `from` (the page the form is on). */
export async function postForm(agent: Agent, url: string, body: Record<string, string>, from = url): Promise<request.Response> {
  const _csrf = await tokenFor(agent, from);
  return agent.post(url).type('form').send({ ...body, _csrf });
}

/** The value of the cookie `name` set by this response, or undefined if it set none. */
export function cookieFrom(res: request.Response, name = 'qunfa.sid'): string | undefined {
  const header = setCookieLine(res, name);
  return header ? header.split(';')[0].slice(name.length + 1) : undefined;
}

/** The whole Set-Cookie line (with its attributes) for the cookie `name`. */
export function setCookieLine(res: request.Response, name = 'qunfa.sid'): string | undefined {
  const raw = res.headers['set-cookie'] as unknown as string[] | string | undefined;
  const lines = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return lines.find((l) => l.startsWith(name + '='));
}

/** Decodes the few entities EJS escapes, so page text can be compared with what was typed. */
export function unescapeHtml(html: string): string {
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#34;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The text of the field-level message shown beside `field` (partials/field-error), or undefined. */
export function fieldError(html: string, field: string): string | undefined {
  const m = new RegExp(`<p class="field-error" id="${field}-error">([^<]*)</p>`).exec(html);
  return m ? unescapeHtml(m[1]) : undefined;
}

/** The value an <input name="…"> was rendered with (undefined if there is no such input). */
export function inputValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
  return m ? unescapeHtml(m[1]) : undefined;
}

/** The text of a <textarea name="…">. */
export function textareaValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<textarea[^>]*name="${name}"[^>]*>([^<]*)</textarea>`).exec(html);
  return m ? unescapeHtml(m[1]) : undefined;
}

/** The option marked selected in <select name="…">. */
export function selectedOption(html: string, name: string): string | undefined {
  const select = new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  const m = select && /<option value="([^"]*)" selected>/.exec(select[1]);
  return m ? unescapeHtml(m[1]) : undefined;
}

/** The flash message shown on the page, if any. */
export function flashText(html: string): string | undefined {
  const m = /<div class="flash flash-(?:success|error)"[^>]*>([^<]*)<\/div>/.exec(html);
  return m ? unescapeHtml(m[1]) : undefined;
}

/**
 * Every named field of the form posting to `action`, with the value it was rendered with (inputs, the selected
 * option of selects, textareas), as a browser would submit it unchanged. The CSRF token is left out.
 */
export function formFields(html: string, action: string): Record<string, string> {
  const form = new RegExp(`<form[^>]*action="${action}"[^>]*>([\\s\\S]*?)</form>`).exec(html);
  if (!form) throw new Error(`no form posting to ${action}`);
  const out: Record<string, string> = {};
  for (const m of form[1].matchAll(/<input\b[^>]*>/g)) {
    const name = /\sname="([^"]*)"/.exec(m[0])?.[1];
    if (!name || name === '_csrf') continue;
    // A browser sends a checkbox or radio only when it is checked.
    if (/\stype="(?:checkbox|radio)"/.test(m[0]) && !/\schecked\b/.test(m[0])) continue;
    out[name] = unescapeHtml(/\svalue="([^"]*)"/.exec(m[0])?.[1] ?? '');
  }
  for (const m of form[1].matchAll(/<select\b[^>]*\sname="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
    out[m[1]] = unescapeHtml(/<option value="([^"]*)" selected>/.exec(m[2])?.[1] ?? '');
  }
  for (const m of form[1].matchAll(/<textarea\b[^>]*\sname="([^"]*)"[^>]*>([^<]*)<\/textarea>/g)) out[m[1]] = unescapeHtml(m[2]);
  return out;
}
