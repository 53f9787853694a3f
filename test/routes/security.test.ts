import request from 'supertest';
import { addUser, loginAs, makeTestApp, postForm, tokenFor, type Agent, type TestApp } from '../helpers/app';
import { dropTableUnderApp } from '../helpers/test-db';

const XSS = '<script>alert(1)</script>';

let t: TestApp;
let admin: Agent;
let member: Agent;
let adminId: number;
let memberId: number;
let signatureId: number;
let templateId: number;
let xssTemplateId: number;

async function count(table: string): Promise<number> {
  const row = await t.db(table).count({ n: '*' }).first();
  return Number(row?.n);
}

beforeAll(async () => {
  t = await makeTestApp();
  adminId = await addUser(t.db, 'admin', 'admin');
  memberId = await addUser(t.db, 'member', 'member');
  admin = await loginAs(t.app, 'admin');
  member = await loginAs(t.app, 'member');
  await postForm(member, '/signatures', { name: 'Qunfa' }, '/signatures/new');
  signatureId = (await t.db('signatures').where({ name: 'Qunfa' }).first('id')).id;
  await postForm(member, '/templates', { name: 'Plain', smsType: 'notification', content: 'Your order has shipped.' }, '/templates/new');
  templateId = (await t.db('templates').where({ name: 'Plain' }).first('id')).id;
  const res = await postForm(member, '/templates', { name: XSS, smsType: 'notification', content: `Hello ${XSS} {1}` }, '/templates/new');
  expect(res.status).toBe(303);
  xssTemplateId = (await t.db('templates').where({ name: XSS }).first('id')).id;
});
afterAll(() => t.close());

describe('headers', () => {
  test('a CSP that allows scripts only from our origin, with no inline script', async () => {
    const res = await request(t.app).get('/login');
    const csp = res.headers['content-security-policy'];
    expect(csp).toBeDefined();
    const directives = Object.fromEntries(
      csp.split(';').map((d: string) => d.trim().split(/\s+/)).filter((d: string[]) => d[0]).map((d: string[]) => [d[0], d.slice(1)]),
    );
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  test('the CSP is on every kind of answer: pages, redirects, errors', async () => {
    for (const res of [await admin.get('/signatures'), await request(t.app).get('/signatures'), await admin.get('/nowhere')]) {
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    }
  });
});

describe('pages carry nothing the CSP would block', () => {
  const pages = () => [
    ['/login', request.agent(t.app)],
    ['/signatures', admin],
    ['/signatures/new', member],
    [`/signatures/${signatureId}`, admin],
    [`/signatures/${signatureId}/edit`, member],
    ['/templates', admin],
    ['/templates/new', member],
    [`/templates/${templateId}`, admin],
    [`/templates/${xssTemplateId}/edit`, member],
    ['/users', admin],
    ['/users/new', admin],
    [`/users/${memberId}`, admin],
    ['/settings', admin],
    ['/api-keys', admin],
    ['/nowhere', admin],
    ['/users', member], // the 403 page
  ] as const;

  test('no inline <script>, no inline event handlers, no javascript: URLs, no inline styles', async () => {
    for (const [url, agent] of pages()) {
      const res = await agent.get(url);
      expect([url, res.status < 500]).toEqual([url, true]);
      const html = res.text;
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attrs, body] of scripts) {
        expect({ url, attrs, hasSrc: /\ssrc="\/public\/[^"]+"/.test(attrs), body: body.trim() }).toEqual({ url, attrs, hasSrc: true, body: '' });
      }
      expect({ url, handlers: html.match(/<[^>]+\son[a-z]+\s*=/gi) }).toEqual({ url, handlers: null });
      expect({ url, jsUrls: html.match(/(href|src|action)\s*=\s*"javascript:/gi) }).toEqual({ url, jsUrls: null });
      expect({ url, styles: html.match(/<style\b|\sstyle\s*=/gi) }).toEqual({ url, styles: null });
      expect({ url, unescaped: html.includes(XSS) }).toEqual({ url, unescaped: false });
    }
  });

  test('the scripts and styles the pages load are served from /public', async () => {
    const page = await admin.get('/templates/new');
    const assets = [...page.text.matchAll(/(?:src|href)="(\/public\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining(['/public/js/app.js', '/public/css/app.css']));
    for (const asset of assets) {
      const res = await request(t.app).get(asset);
      expect([asset, res.status]).toEqual([asset, 200]);
    }
  });
});

describe('user data is escaped in every view', () => {
  test('a template named and containing <script> shows as text on the list, detail and edit pages', async () => {
    for (const url of ['/templates', `/templates/${xssTemplateId}`, `/templates/${xssTemplateId}/edit`]) {
      const res = await member.get(url);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(XSS);
      expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
    // the page title too
    expect((await admin.get(`/templates/${xssTemplateId}`)).text).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; · Qunfa</title>');
  });

  test('a reviewer reason with markup shows as text to the author', async () => {
    const reason = '<img src=x onerror=alert(1)> "quoted"';
    const res = await postForm(admin, `/templates/${xssTemplateId}/reject`, { reason }, `/templates/${xssTemplateId}`);
    expect(res.status).toBe(303);
    for (const url of ['/templates', `/templates/${xssTemplateId}`]) {
      const page = await member.get(url);
      expect(page.text).not.toContain('<img src=x');
      expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt; &#34;quoted&#34;');
    }
  });

  test('a typed value that breaks out of an attribute is escaped when the form is shown again', async () => {
    const evil = '"><script>alert(1)</script>';
    const res = await postForm(member, '/signatures', { name: evil }, '/signatures/new');
    expect(res.status).toBe(422);
    expect(res.text).not.toContain(evil);
    expect(res.text).toContain('value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  test('a "next" address with markup is escaped on the login page', async () => {
    const res = await request(t.app).get('/login?next=' + encodeURIComponent('/x"><script>alert(1)</script>'));
    expect(res.text).not.toContain('<script>alert(1)');
  });
});

describe('authorisation is checked on the server', () => {
  test.each(['/users', '/users/new', '/settings', '/api-keys'])('a member gets 403 on GET %s', async (url) => {
    const res = await member.get(url);
    expect(res.status).toBe(403);
    expect(res.text).toContain('You do not have permission to do this.');
  });

  test('a member gets 403 on GET /users/:id', async () => {
    expect((await member.get(`/users/${adminId}`)).status).toBe(403);
  });

  test('members do not see the admin links', async () => {
    const page = await member.get('/signatures');
    expect(page.text).not.toContain('href="/users"');
    expect(page.text).not.toContain('href="/settings"');
    expect(page.text).not.toContain('href="/api-keys"');
    const adminPage = await admin.get('/signatures');
    for (const href of ['/users', '/settings', '/api-keys', '/tasks', '/signatures', '/templates']) expect(adminPage.text).toContain(`href="${href}"`);
  });

  test('a member gets 403 on every admin POST (with a valid CSRF token) and nothing changes', async () => {
    const snapshot = async () => ({
      users: await t.db('users').orderBy('id').select('id', 'username', 'role', 'password_hash', 'disabled_at'),
      signatures: await t.db('signatures').orderBy('id').select(),
      templates: await t.db('templates').orderBy('id').select(),
      settings: await t.db('settings').select(),
    });
    const before = await snapshot();
    const posts: [string, Record<string, string>][] = [
      ['/users', { username: 'sneaky', role: 'admin', password: 'long enough pw', passwordConfirm: 'long enough pw' }],
      [`/users/${memberId}/role`, { role: 'admin' }],
      [`/users/${adminId}/disable`, {}],
      [`/users/${adminId}/password`, { password: 'taken over 123', passwordConfirm: 'taken over 123' }],
      [`/signatures/${signatureId}/approve`, {}],
      [`/signatures/${signatureId}/reject`, { reason: 'no' }],
      [`/signatures/${signatureId}/disable`, {}],
      [`/templates/${templateId}/approve`, {}],
      [`/templates/${templateId}/reject`, { reason: 'no' }],
      [`/templates/${templateId}/disable`, {}],
      ['/settings', { timeZone: 'UTC', importMaxRows: '5', importMaxMb: '1', scheduleHorizonDays: '1', unsubscribePhrases: 'x' }],
    ];
    for (const [url, body] of posts) {
      const res = await postForm(member, url, body, '/signatures');
      expect([url, res.status]).toEqual([url, 403]);
    }
    expect(await snapshot()).toEqual(before);
  });

  test.each(['/', '/tasks', '/signatures', '/signatures/new', '/templates', '/templates/1', '/users', '/users/1', '/settings', '/api-keys'])(
    'an anonymous GET %s redirects to /login',
    async (url) => {
      const res = await request(t.app).get(url);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login?next=' + encodeURIComponent(url));
    },
  );

  test('an anonymous POST (even with a valid token) is refused and changes nothing', async () => {
    const anon = request.agent(t.app);
    const before = await count('signatures');
    for (const url of ['/signatures', `/signatures/${signatureId}/approve`, '/users', '/settings']) {
      const res = await postForm(anon, url, { name: 'Anon' }, '/login');
      expect([url, res.status]).toEqual([url, 401]);
    }
    expect(await count('signatures')).toBe(before);
    expect((await t.db('signatures').where({ id: signatureId }).first('status')).status).toBe('pending');
  });
});

describe('malformed requests never give a 500', () => {
  test('_csrf sent as an array', async () => {
    const before = await count('signatures');
    const res = await member.post('/signatures').type('form').send('_csrf[]=x&name=ArrayToken');
    expect(res.status).toBe(403);
    expect(await count('signatures')).toBe(before);
  });

  test('fields sent twice or as arrays are read as empty, with the form shown again', async () => {
    const token = await tokenFor(member, '/signatures/new');
    const res = await member.post('/signatures').type('form').send(`_csrf=${encodeURIComponent(token)}&name=One&name=Two`);
    expect(res.status).toBe(422);
    const res2 = await member.post('/templates').type('form').send(`_csrf=${encodeURIComponent(token)}&name[]=x&smsType[a]=b&content=Hi`);
    expect(res2.status).toBe(422);
  });

  test('invalid percent-encoding in the body', async () => {
    const token = await tokenFor(member, '/signatures/new');
    const res = await member.post('/signatures').type('form').send(`_csrf=${encodeURIComponent(token)}&name=%E0%A4%A`);
    expect(res.status).toBe(422);
    const res2 = await member.post('/signatures').type('form').send('_csrf=%E0%A4%A&name=x');
    expect(res2.status).toBe(403);
  });

  test('invalid percent-encoding in the path and the query', async () => {
    for (const url of ['/signatures/%E0%A4%A', '/templates/%', '/users/%E0%A4%A', '/signatures?status=%E0%A4%A', '/login?next=%E0%A4%A']) {
      const res = await admin.get(url);
      expect([url, res.status < 500]).toEqual([url, true]);
    }
  });

  test('ids that are not ids', async () => {
    for (const url of ['/signatures/0', '/signatures/-1', '/signatures/1.5', '/signatures/abc', '/signatures/99999999999999999999', '/users/abc']) {
      const res = await admin.get(url);
      expect([url, res.status]).toEqual([url, 404]);
    }
    const res = await postForm(admin, '/signatures/abc/approve', {}, '/signatures');
    expect(res.status).toBe(404);
  });

  test('a huge field gets 413, not a crash', async () => {
    const token = await tokenFor(member, '/signatures/new');
    const res = await member
      .post('/signatures')
      .type('form')
      .send(`_csrf=${encodeURIComponent(token)}&name=${'x'.repeat(2 * 1024 * 1024)}`);
    expect(res.status).toBe(413);
    expect(res.text).toContain('What you sent is too large.');
  });

  test('a long but acceptable field gets the form message, not a crash', async () => {
    const res = await postForm(member, '/templates', { name: 'x'.repeat(100_000), smsType: 'notification', content: 'y'.repeat(100_000) }, '/templates/new');
    expect(res.status).toBe(422);
  });

  test('too many fields', async () => {
    const token = await tokenFor(member, '/signatures/new');
    const body = `_csrf=${encodeURIComponent(token)}&` + Array.from({ length: 3000 }, (_, i) => `f${i}=1`).join('&');
    const res = await member.post('/signatures').type('form').send(body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  test('broken JSON, an odd content type, an unsupported charset, no body at all', async () => {
    const token = await tokenFor(member, '/signatures/new');
    const json = await member.post('/signatures').set('Content-Type', 'application/json').set('X-CSRF-Token', token).send('{"name": ');
    expect(json.status).toBe(400);
    const text = await member.post('/signatures').set('Content-Type', 'text/plain').set('X-CSRF-Token', token).send('name=Plain');
    expect(text.status).toBe(422);
    const charset = await member.post('/signatures').set('Content-Type', 'application/x-www-form-urlencoded; charset=koi8-r').send(`_csrf=${token}&name=x`);
    expect(charset.status).toBeGreaterThanOrEqual(400);
    expect(charset.status).toBeLessThan(500);
    const empty = await member.post('/signatures').set('X-CSRF-Token', token);
    expect(empty.status).toBe(422);
  });

  test('odd values in every field of every form are answered without a 500', async () => {
    const posts = [
      '/login',
      '/locale',
      '/signatures',
      `/signatures/${signatureId}`,
      `/signatures/${signatureId}/reject`,
      '/templates',
      `/templates/${templateId}`,
      `/templates/${templateId}/reject`,
      '/users',
      `/users/${memberId}/role`,
      `/users/${memberId}/password`,
      '/settings',
    ];
    const fields = ['username', 'password', 'passwordConfirm', 'role', 'locale', 'back', 'next', 'name', 'smsType', 'content', 'reason', 'timeZone', 'importMaxRows', 'importMaxMb', 'scheduleHorizonDays', 'unsubscribePhrases'];
    const oddValues = ['', ' ', '\u0000', '😀'.repeat(300), '\u202e\u200b', '%00', '{{1}}{0}｛｝', "'; drop table users; --", '1e309', '-0', 'constructor', '__proto__'];
    const token = await tokenFor(admin, '/signatures');
    for (const url of posts) {
      for (const value of oddValues) {
        const body = new URLSearchParams({ _csrf: token, ...Object.fromEntries(fields.map((f) => [f, value])) }).toString();
        const res = await admin.post(url).type('form').send(body);
        expect([url, value, res.status < 500]).toEqual([url, value, true]);
      }
      const arrays = `_csrf=${encodeURIComponent(token)}&` + fields.map((f) => `${f}=a&${f}=b&${f}[]=c`).join('&');
      const res = await admin.post(url).type('form').send(arrays);
      expect([url, 'arrays', res.status < 500]).toEqual([url, 'arrays', true]);
    }
    expect(await t.db('users').where({ id: adminId }).first('role')).toEqual({ role: 'admin' });
  });

  test('no error was logged as unexpected along the way', () => {
    expect(t.logLines.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});

describe('unexpected errors', () => {
  test('the error page shows a short reference id that is also in the log, and no stack trace', async () => {
    const broken = await makeTestApp();
    try {
      await addUser(broken.db, 'admin', 'admin');
      const agent = await loginAs(broken.app, 'admin');
      // the database loses a table under the running app (a botched manual change, a half-restored backup)
      await dropTableUnderApp(broken.db, 'templates');
      const res = await agent.get('/templates');
      expect(res.status).toBe(500);
      const ref = /<code class="error-ref">([0-9a-f]+)<\/code>/.exec(res.text)?.[1];
      expect(ref).toMatch(/^[0-9a-f]{8}$/);
      expect(res.text).toContain(`Give this reference to your administrator: ${ref}.`);
      expect(res.text).not.toMatch(/SqliteError|no such table|does not exist|at .*\.ts:\d+/);
      expect(res.text).toContain('admin · Admin'); // still the normal layout
      const logged = broken.logLines.map((l) => JSON.parse(l)).find((l) => l.ref === ref);
      expect(logged).toMatchObject({ level: 'error', ref, method: 'GET', path: '/templates' });
      expect(logged.error).toMatch(/no such table|relation "templates" does not exist/);
      expect(logged.stack).toBeDefined();

      // each error gets its own id
      const again = await agent.get('/templates');
      const ref2 = /<code class="error-ref">([0-9a-f]+)<\/code>/.exec(again.text)?.[1];
      expect(ref2).toBeDefined();
      expect(ref2).not.toBe(ref);
    } finally {
      await broken.close();
    }
  });

  test('with the database gone, pages still answer an error page with a reference, and /healthz says 503', async () => {
    const broken = await makeTestApp();
    await addUser(broken.db, 'admin', 'admin');
    const healthy = await request(broken.app).get('/healthz');
    expect(healthy.status).toBe(200);
    expect(healthy.body).toEqual({ status: 'ok', db: 'ok' });
    expect(healthy.headers['content-type']).toMatch(/application\/json/);
    expect(healthy.headers['set-cookie']).toBeUndefined();

    await broken.close();
    const health = await request(broken.app).get('/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'error', db: 'unreachable' });

    const page = await request(broken.app).get('/login');
    expect(page.status).toBe(500);
    const ref = /<code class="error-ref">([0-9a-f]+)<\/code>/.exec(page.text)?.[1] ?? /[0-9a-f]{8}/.exec(page.text)?.[0];
    expect(ref).toBeDefined();
    expect(broken.logLines.some((l) => l.includes(`"ref":"${ref}"`))).toBe(true);
  });
});
