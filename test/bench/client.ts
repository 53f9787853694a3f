/**
 * A tiny browser stand-in over real HTTP: a cookie jar for the session cookie, CSRF tokens read from the pages,
 * redirects not followed (the 303 is what the bench waits for). Forms, uploads and downloads go through global
 * fetch; plain GETs of a page (`text`, what the pages suite times) through node:http on a keep-alive socket:
 * fetch's own cost (WHATWG streams and headers, about 0.3–1 ms a request on a 2-CPU machine) runs in this process,
 * the app's, and would be counted as the page's.
 */
import http from 'node:http';
import { csrfFrom } from '../helpers/app';

export class Client {
  private cookies = new Map<string, string>();
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(readonly base: string) {}

  /** The session cookie as a Cookie header, for a raw socket speaking for this client (the uploads suite). */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(setCookie: readonly string[]): void {
    for (const line of setCookie) {
      const pair = line.split(';')[0];
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }

  async request(pathName: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.cookieHeader());
    const res = await fetch(this.base + pathName, { ...init, headers, redirect: 'manual' });
    this.remember(res.headers.getSetCookie());
    return res;
  }

  /** GET, the whole body read. A kept-alive socket the server closed meanwhile is retried once, as browsers do. */
  text(pathName: string, retry = true): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers = this.cookies.size > 0 ? { cookie: this.cookieHeader() } : {};
      const req = http.get(this.base + pathName, { agent: this.agent, headers }, (res) => {
        this.remember(res.headers['set-cookie'] ?? []);
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (retry && req.reusedSocket && err.code === 'ECONNRESET') this.text(pathName, false).then(resolve, reject);
        else reject(err);
      });
    });
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
