import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ejs from 'ejs';
import { escapeHtml, renderEjs } from './view-engine';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-views-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

function render(file: string, locals: Record<string, unknown>, cache = true): Promise<string> {
  return new Promise((resolve, reject) => renderEjs(file, { ...locals, cache }, (err, html) => (err ? reject(err) : resolve(html!))));
}

function stock(file: string, locals: Record<string, unknown>): Promise<string> {
  return ejs.renderFile(file, locals);
}

test('escapes what ejs escapes, the same way', () => {
  for (const value of ['', 'plain', '<b>&"\'</b>', '&amp;', '尊敬的<客户>', 0, 12.5, false, null, undefined, { toString: () => '<x>' }]) {
    expect(escapeHtml(value)).toBe(ejs.escapeXML(value as string));
  }
});

test('includes beside the file, with and without their own locals, nested, and `locals.x` for optional ones', async () => {
  const page = write('pages/a.ejs', '<h1><%= title %></h1><% items.forEach(function (item) { %><%- include("../partials/item", { item: item }) %><% }) %><%- include("../partials/foot") %>');
  write('partials/item.ejs', '<li><%= item %><% if (locals.suffix) { %><%= suffix %><% } %> <%- include("deeper/tag", { tag: item.length }) %></li>');
  write('partials/deeper/tag.ejs', '[<%= tag %> of <%= title %>]');
  write('partials/foot.ejs', '<footer><%= t("x") %></footer>');
  const locals = { title: 'T & co', items: ['<a>', 'b'], t: (k: string) => `t:${k}` };
  expect(await render(page, locals)).toBe(await stock(page, locals));
  expect(await render(page, { ...locals, suffix: '!' })).toBe(await stock(page, { ...locals, suffix: '!' }));
});

test('a template declaring a const named like a local still renders (it keeps `with`)', async () => {
  const page = write('const.ejs', '<% const links = ["x"]; %><%= links.length %>/<%= other %>');
  expect(await render(page, { links: 'ignored', other: 1 })).toBe('1/1');
});

test('reserved words and ejs internals among the locals are not made variables', async () => {
  const page = write('reserved.ejs', '<%= locals.default %>|<%= locals.__append %>|<%= name %>');
  expect(await render(page, { default: 'd', __append: 'a', name: 'n' })).toBe('d|a|n');
});

test('a missing include fails the render with the name of the file', async () => {
  const page = write('missing.ejs', '<%- include("nowhere") %>');
  await expect(render(page, {})).rejects.toThrow('Could not find the include file "nowhere"');
});

test('a failing template reports ejs error context (file and line)', async () => {
  const page = write('broken.ejs', 'line 1\n<%= nothing.here %>\n');
  await expect(render(page, { nothing: undefined })).rejects.toThrow(/broken\.ejs:2/);
});

test('with the view cache off, a changed file is read again', async () => {
  const page = write('changing.ejs', 'one');
  expect(await render(page, {}, false)).toBe('one');
  write('changing.ejs', 'two');
  expect(await render(page, {}, false)).toBe('two');
  expect(await render(page, {}, true)).toBe('two');
  write('changing.ejs', 'three');
  expect(await render(page, {}, true)).toBe('two');
});
