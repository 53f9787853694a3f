import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { createLogger } from '../../src/log';
import type { Config } from '../../src/config';
import { createUser } from '../../src/services/users.service';
import type { Role } from '../../src/queries/users.queries';

export interface TestApp {
  app: Express;
  db: Db;
  config: Config;
  logLines: string[];
  close(): Promise<void>;
}

/** A real app on a fresh, fully migrated SQLite database (in memory unless a file is asked for). */
export async function makeTestApp(options: { file?: boolean; env?: Partial<Config> } = {}): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-test-'));
  const config: Config = Object.freeze({
    port: 0,
    dataDir,
    databaseFile: options.file ? path.join(dataDir, 'qunfa.sqlite') : ':memory:',
    sessionSecret: 'test-secret-test-secret-test-secret-0123',
    trustProxy: false,
    timeZone: 'Asia/Shanghai',
    logLevel: 'info' as const,
    ...options.env,
  });
  const db = createDb(config.databaseFile);
  await migrateLatest(db);
  const logLines: string[] = [];
  const logger = createLogger('info', (line) => logLines.push(line));
  const app = createApp({ db, config, logger });
  return {
    app,
    db,
    config,
    logLines,
    async close() {
      await db.destroy();
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

/** POSTs a form with a fresh CSRF token taken from `from` (the page the form is on). */
export async function postForm(agent: Agent, url: string, body: Record<string, string>, from = url): Promise<request.Response> {
  const _csrf = await tokenFor(agent, from);
  return agent.post(url).type('form').send({ ...body, _csrf });
}
