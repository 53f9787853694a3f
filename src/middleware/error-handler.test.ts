import express from 'express';
import request from 'supertest';
import { createDb, migrateLatest, type Db } from '../db/knex';
import { createLogger } from '../log';
import { errorHandler } from './error-handler';

let db: Db;
beforeAll(async () => {
  db = createDb(':memory:');
  await migrateLatest(db);
});
afterAll(() => db.destroy());

test('a failing query is logged with its SQLite code and SQL, never with the values bound to it', async () => {
  const lines: string[] = [];
  const app = express();
  app.get('/boom', async () => {
    await db('sessions').insert({ sid: 'secret-session-id-1234', sess: '{}', expired: 1, no_such_column: '13812345678' });
  });
  app.use(errorHandler(createLogger('error', (l) => lines.push(l))));
  const res = await request(app).get('/boom');
  expect(res.status).toBe(500);
  const log = lines.join('\n');
  expect(log).toContain('"code":"SQLITE_ERROR"');
  expect(log).toContain('insert into `sessions`');
  expect(log).not.toContain('13812345678');
  expect(log).not.toContain('secret-session-id-1234');
  expect(res.text).not.toContain('13812345678');
});
