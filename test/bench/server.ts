/**
 * The real app on 127.0.0.1 with a file-backed SQLite database, seeded with an admin, a member, an approved
 * signature and a 2-variable notification template; and one import as the send form posts it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeTestApp, addUser, PASSWORD, type TestApp } from '../helpers/app';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { getSettings, saveSettings } from '../../src/services/settings.service';
import { Client, taskForm } from './client';
import { SIGNATURE, TEMPLATE_2VARS } from './inputs';

export interface BenchServer {
  t: TestApp;
  server: Server;
  base: string;
  signatureId: number;
  templateId: number;
  member: Client;
  admin: Client;
  /** The import limits in force (raised only when the inputs would not fit the defaults). */
  limits: { importMaxRows: number; importMaxBytes: number; raised: boolean };
  close(): Promise<void>;
}

export async function startServer(largestUpload: number, rows: number): Promise<BenchServer> {
  const t = await makeTestApp({ file: true });
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'mia', 'member');
  const signatureId = await approvedSignature(t.db, SIGNATURE);
  const templateId = await approvedTemplate(t.db, TEMPLATE_2VARS, 'notification', '发货通知');
  const settings = await getSettings(t.db, t.config);
  const raise: Record<string, number> = {};
  if (settings.importMaxBytes < largestUpload) raise.importMaxBytes = Math.ceil(largestUpload / 1048576 + 1) * 1048576;
  if (settings.importMaxRows < rows) raise.importMaxRows = rows;
  if (Object.keys(raise).length > 0) await saveSettings(t.db, raise);
  const limits = { ...(await getSettings(t.db, t.config)), raised: Object.keys(raise).length > 0 };

  const server = await new Promise<Server>((resolve) => {
    const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const member = new Client(base);
  const admin = new Client(base);
  await member.login('mia', PASSWORD);
  await admin.login('admin', PASSWORD);
  return {
    t,
    server,
    base,
    signatureId,
    templateId,
    member,
    admin,
    limits: { importMaxRows: limits.importMaxRows, importMaxBytes: limits.importMaxBytes, raised: limits.raised },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    },
  };
}

export interface ImportResult {
  ms: number;
  taskId: string;
  messages: number;
}

const TYPES: Record<string, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
};

/** POST /tasks with the file; the clock runs from sending the form to the 303 (draft stored). */
export async function postImport(s: BenchServer, buffer: Buffer, name: string): Promise<ImportResult> {
  const _csrf = await s.member.csrf('/tasks/new');
  const fields = {
    _csrf,
    smsType: 'notification',
    signatureId: String(s.signatureId),
    templateId: String(s.templateId),
    recipientsMode: 'import',
    sendMode: 'now',
  };
  const form = taskForm(fields, { buffer, name, type: TYPES[name.split('.').pop()!] ?? 'application/octet-stream' });
  const started = performance.now();
  const res = await s.member.request('/tasks', { method: 'POST', body: form });
  const body = await res.text();
  const ms = performance.now() - started;
  const location = res.headers.get('location') ?? '';
  const match = /^\/tasks\/([^/]+)\/check$/.exec(location);
  if (res.status !== 303 || !match) {
    const reason = /class="field-error"[^>]*>([^<]*)</.exec(body)?.[1] ?? body.slice(0, 200);
    throw new Error(`import of ${name} answered ${res.status}: ${reason}`);
  }
  const [{ n }] = (await s.t.db('messages').where({ task_id: match[1] }).count({ n: '*' })) as { n: number }[];
  return { ms, taskId: match[1], messages: Number(n) };
}

/** Removes a draft and its rows (outside the clock) so every run inserts into the same-sized tables. */
export async function dropDraft(s: BenchServer, taskId: string): Promise<void> {
  await s.t.db('tasks').where({ id: taskId }).delete();
}
