import request from 'supertest';
import type { Express } from 'express';
import { authenticator } from 'otplib';
import { PASSWORD, postForm, tokenFor, type Agent } from './app';

/** The code an authenticator app shows for `secret`, `stepsAhead` 30-second steps from now. */
export function codeFor(secret: string, stepsAhead = 0): string {
  return authenticator.clone({ epoch: Date.now() + stepsAhead * 30_000 }).generate(secret);
}

/** The code for one given 30-second step (the steps the server stores in totp_credentials.last_used_step). */
export function codeAtStep(secret: string, step: number): string {
  return authenticator.clone({ epoch: step * 30_000 + 1_000 }).generate(secret);
}

/** The key shown as text on the enrolment page (spaces between the groups removed), or undefined. */
export function secretOnPage(html: string): string | undefined {
  return /data-totp-secret>([^<]+)</.exec(html)?.[1].replace(/\s/g, '');
}

export function recoveryCodesOnPage(html: string): string[] {
  const list = /<ol[^>]*data-recovery-codes>([\s\S]*?)<\/ol>/.exec(html);
  return list ? [...list[1].matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1]) : [];
}

/** Enrols the signed-in user of `agent` as a person would: start, read the key, confirm with its current code. */
export async function enrol(agent: Agent): Promise<{ secret: string; recoveryCodes: string[] }> {
  await postForm(agent, '/account/two-factor/start', {}, '/account/two-factor');
  const secret = secretOnPage((await agent.get('/account/two-factor')).text);
  if (!secret) throw new Error('no key on the enrolment page');
  const confirmed = await postForm(agent, '/account/two-factor/confirm', { code: codeFor(secret) }, '/account/two-factor');
  if (confirmed.status !== 303 || confirmed.headers.location !== '/account/two-factor/recovery-codes') throw new Error(`confirm failed: ${confirmed.status}`);
  const recoveryCodes = recoveryCodesOnPage((await agent.get('/account/two-factor/recovery-codes')).text);
  return { secret, recoveryCodes };
}

/** The password step only: the agent is then at the code step, not signed in. */
export async function passwordStep(app: Express, username: string, password = PASSWORD): Promise<Agent> {
  const agent = request.agent(app);
  const _csrf = await tokenFor(agent, '/login');
  const res = await agent.post('/login').type('form').send({ username, password, _csrf, next: '/tasks' });
  if (res.status !== 303 || res.headers.location !== '/login/code') throw new Error(`password step for ${username}: ${res.status} ${res.headers.location}`);
  return agent;
}

export function submitCode(agent: Agent, code: string): Promise<request.Response> {
  return postForm(agent, '/login/code', { code });
}
