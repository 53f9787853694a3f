/**
 * Issue 9, section 5: uploads go to a temporary file in DATA_DIR/uploads that every request removes, imports share
 * a capped pool of workers with a bounded queue (503 beyond it), and a stalled upload body is cut off.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { loginAs, tokenFor, cookieFrom, PASSWORD, type TestApp, type Agent } from '../helpers/app';
import { sendFormApp } from '../helpers/send-form';
import { waitUntil } from '../helpers/app-process';
import type { AppDeps } from '../../src/app';
import { uploadDir } from '../../src/middleware/upload-storage';
import { createApiKey } from '../../src/services/api-keys.service';
import { csvOf, recipientRows } from '../fixtures/imports/build';

let t: TestApp;
let member: Agent;
let sigId: number;
let tplId: number;
let server: Server;
let dir: string;

beforeAll(async () => {
  // One worker, one place in the queue; a body silent for 400 ms is cut off.
  ({ t, member, sigId, twoVarsId: tplId } = await sendFormApp({ importWorkers: 1, importQueueLength: 1, uploadIdleMs: 400 }));
  dir = uploadDir(t.config.dataDir);
  server = await new Promise<Server>((resolve) => {
    const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
  });
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

const gate = () => (t.app.locals.deps as AppDeps).importGate!;
const files = () => fs.readdirSync(dir);
const fields = (extra: Record<string, string> = {}) => ({
  smsType: 'notification', signatureId: String(sigId), templateId: String(tplId), recipientsMode: 'import', sendMode: 'now', ...extra,
});
const csv = csvOf(recipientRows(20));

function submit(form: Record<string, string>, _csrf: string, ticket?: string) {
  let req = member.post('/tasks').field('_csrf', _csrf);
  if (ticket) req = req.set('X-Import-Ticket', ticket);
  for (const [k, v] of Object.entries(form)) req = req.field(k, v);
  return req.attach('file', csv, 'list.csv');
}

/** Holds the import worker (and, with `queued`, the queue's one place) until released. */
function holdGate(queued = false): () => Promise<void> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const runs = [gate().run(() => held)];
  if (queued) runs.push(gate().run(() => held));
  return async () => {
    release();
    await Promise.all(runs);
  };
}

const until = (check: () => boolean | Promise<boolean>, what: string) => waitUntil(what, check, { timeoutMs: 3000, intervalMs: 20 });

test('the file waits in DATA_DIR/uploads (0700, the file 0600) while the import is queued, the page hears "waiting", and it is gone after', async () => {
  const release = holdGate();
  const _csrf = await tokenFor(member, '/tasks/new');
  const ticket = 'ticket-0123456789abcdef';
  const pending = submit(fields(), _csrf, ticket).then((res) => res);
  let status: { progress: { phase: string; ahead?: number } | null; label: string | null } = { progress: null, label: null };
  await until(async () => {
    status = (await member.get(`/tasks/imports/${ticket}`)).body;
    return status.progress?.phase === 'waiting';
  }, 'the import to wait');
  expect(status).toEqual({ progress: { phase: 'waiting', ahead: 0 }, label: 'Waiting for another import to finish…' });
  expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  expect(files()).toHaveLength(1);
  expect(fs.statSync(`${dir}/${files()[0]}`).mode & 0o777).toBe(0o600);
  expect(fs.statSync(`${dir}/${files()[0]}`).size).toBe(csv.length);
  // Another user cannot read that progress.
  const admin = await loginAs(t.app, 'admin');
  expect((await admin.get(`/tasks/imports/${ticket}`)).body).toEqual({ progress: null, label: null });

  await release();
  const res = await pending;
  expect(res.status).toBe(303);
  expect(files()).toEqual([]);
  expect((await member.get(`/tasks/imports/${ticket}`)).body).toEqual({ progress: null, label: null });
});

test('with the worker taken and the queue full, the form answers 503 "busy" with Retry-After, keeping the choices; no file is left', async () => {
  const release = holdGate(true);
  try {
    const res = await submit(fields(), await tokenFor(member, '/tasks/new'));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.text).toContain('try again in a moment');
    expect(res.text).toMatch(new RegExp(`<option value="${tplId}" selected>`));
    expect(files()).toEqual([]);
  } finally {
    await release();
  }
  expect((await submit(fields(), await tokenFor(member, '/tasks/new'))).status).toBe(303);
});

test('a refused CSRF token and a form error leave no file', async () => {
  const refused = await submit(fields(), 'not-the-token');
  expect(refused.status).toBe(403);
  expect(files()).toEqual([]);
  const invalid = await submit(fields({ templateId: '999999' }), await tokenFor(member, '/tasks/new'));
  expect(invalid.status).toBe(422);
  expect(files()).toEqual([]);
});

/** A raw connection sending the headers and the first part of a multipart body with a big file. */
async function partialUpload(): Promise<net.Socket> {
  const login = await request(t.app).get('/login');
  const agentCookie = cookieFrom(login)!;
  const _csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)![1];
  const res = await request(t.app).post('/login').set('Cookie', `qunfa.sid=${agentCookie}`).type('form').send({ username: 'mia', password: PASSWORD, _csrf });
  const cookie = `qunfa.sid=${cookieFrom(res)}`;
  const page = await request(t.app).get('/tasks/new').set('Cookie', cookie);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
  const boundary = 'qunfa-test-boundary';
  const head = Object.entries({ _csrf: token, ...fields() })
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('');
  const fileHead = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`;
  const declared = 5 * 1024 * 1024;
  const { port } = server.address() as AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.on('error', () => undefined);
  socket.write(
    `POST /tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
      `Content-Length: ${declared}\r\n\r\n${head}${fileHead}`,
  );
  socket.write(Buffer.alloc(256 * 1024, '1'));
  return socket;
}

test('a client that goes away mid-upload leaves no file', async () => {
  const socket = await partialUpload();
  await until(() => files().length === 1 && fs.statSync(`${dir}/${files()[0]}`).size > 0, 'the upload to reach the disk');
  socket.destroy();
  await until(() => files().length === 0, 'the partial file to be removed');
});

test('an upload body that stalls is cut off after the idle time, and its file removed', async () => {
  const socket = await partialUpload();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await until(() => files().length === 1, 'the upload to reach the disk');
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    closed.then(() => 'closed by the server'),
    new Promise((resolve) => (timer = setTimeout(() => resolve('still open after 3 s'), 3000))),
  ]);
  clearTimeout(timer);
  socket.destroy();
  expect(outcome).toBe('closed by the server');
  await until(() => files().length === 0, 'the partial file to be removed');
  expect(t.logLines.some((line) => line.includes('upload aborted'))).toBe(true);
});

test('the API create shares the import workers: busy → 503 with Retry-After, then 201 once free', async () => {
  const { key } = await createApiKey(t.db, { name: 'test', createdBy: 1 });
  const body = { signature: sigId, template: tplId, recipients: [{ phone: '13800138000', params: ['张三', 'A1'] }] };
  const post = () => request(t.app).post('/api/v1/tasks').set('Authorization', `Bearer ${key}`).send(body);
  const release = holdGate(true);
  try {
    const res = await post();
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.error.code).toBe('busy');
  } finally {
    await release();
  }
  expect((await post()).status).toBe(201);
});
