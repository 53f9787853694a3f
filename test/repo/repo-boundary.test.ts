/**
 * A user's clone has nothing beside it, and production runs without test/: these checks keep both true by reading
 * the sources as text, so a path that climbs out of the repository (or into test/ from src/) fails here rather
 * than on somebody else's machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../src/config';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT_DIR, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(rel);
    return /\.(ts|js)$/.test(entry.name) ? [rel] : [];
  });
}

const ALL = ['src', 'test', 'migrations'].flatMap(sourceFiles).concat(['jest.config.js']);
const read = (rel: string) => fs.readFileSync(path.join(ROOT_DIR, rel), 'utf8');

test('no file builds a path out of the repository (such as ../shared)', () => {
  const climbing = /ROOT_DIR,\s*'\.\.'|'\.\.',\s*'shared'|\.\.\/shared\b|\.\.\/\.\.\/\.\.\/\.\./;
  expect(ALL.filter((rel) => rel !== 'test/repo/repo-boundary.test.ts' && climbing.test(read(rel)))).toEqual([]);
});

test('production code never loads anything from test/', () => {
  const production = ALL.filter((rel) => rel.startsWith('src/') && !rel.endsWith('.test.ts'));
  expect(production.length).toBeGreaterThan(50);
  expect(production.filter((rel) => /['"/]test['"/]|test\/helpers/.test(read(rel)))).toEqual([]);
});

test('the sample files the tests use are kept in the repository', () => {
  for (const name of ['recipients-2vars.xlsx', 'recipients-2vars-gbk.csv', 'recipients-2vars-utf8-bom.csv', 'numbers-only.txt', 'recipients-1000.xlsx']) {
    expect(fs.statSync(path.join(ROOT_DIR, 'test', 'fixtures', 'samples', name)).size).toBeGreaterThan(0);
  }
});
