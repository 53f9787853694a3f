import { makeTestApp, addUser, loginAs, tokenFor, type TestApp, type Agent } from './app';
import { approvedSignature, approvedTemplate } from './catalogue';
import type { Config } from '../../src/config';

export const TWO_VARS = '尊敬的{1}，您的订单{2}已发货，请注意查收。';

export interface SendFormApp {
  t: TestApp;
  member: Agent;
  sigId: number;
  plainId: number;
  twoVarsId: number;
}

/**
 * The send form's usual stage: a fresh app (`env` as for makeTestApp), an admin and the member 'mia' (logged in),
 * the approved signature 腾讯云, a plain notification template and one with two variables ('two vars').
 */
export async function sendFormApp(env: Partial<Config> = {}): Promise<SendFormApp> {
  const t = await makeTestApp({ env });
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'mia', 'member');
  const sigId = await approvedSignature(t.db, '腾讯云');
  const plainId = await approvedTemplate(t.db, '您的快递已到，请及时取件。', 'notification', 'plain');
  const twoVarsId = await approvedTemplate(t.db, TWO_VARS, 'notification', 'two vars');
  const member = await loginAs(t.app, 'mia');
  return { t, member, sigId, plainId, twoVarsId };
}

/** POST /tasks as the form does: a token from /tasks/new, the fields, then the file if any. */
export async function postSendForm(agent: Agent, fields: Record<string, string>, file?: { buffer: Buffer; name: string }) {
  const _csrf = await tokenFor(agent, '/tasks/new');
  let req = agent.post('/tasks').field('_csrf', _csrf);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  if (file) req = req.attach('file', file.buffer, file.name);
  return req;
}
