/**
 * A tiny browser stand-in over real HTTP: global fetch, a cookie jar for the session cookie, CSRF tokens read
 * from the pages, redirects not followed (the 303 is what the bench waits for).
 */
import { csrfFrom } from '../helpers/app';

export class Client {
  private cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0];
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }

  async request(pathName: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.cookieHeader());
    const res = await fetch(this.base + pathName, { ...init, headers, redirect: 'manual' });
    this.remember(res);
    return res;
  }

  async text(pathName: string): Promise<{ status: number; body: string }> {
    const res = await this.request(pathName);
    return { status: res.status, body: await res.text() };
  }

  async csrf(page: string): Promise<string> {
    const { body } = await this.text(page);
    return csrfFrom(body);
  }

  async login(username: string, password: string): Promise<void> {
    const _csrf = await this.csrf('/login');
    const res = await this.request('/login', { method: 'POST', body: new URLSearchParams({ username, password, _csrf }) });
    await res.arrayBuffer();
    if (res.status !== 303) throw new Error(`login as ${username} failed: ${res.status}`);
  }
}

/** The send form as a browser posts it: multipart, the file last. Returns the response once fully read. */
export function taskForm(fields: Record<string, string>, file: { buffer: Buffer; name: string; type: string }): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(file.buffer)], { type: file.type }), file.name);
  return form;
}
