/**
 * The audit log's second guard, besides the database triggers (src/queries/audit-records.queries.test.ts): only
 * its query module names the table, so every write to it goes through insert, list or the retention delete.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../src/config';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT_DIR, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [rel] : [];
  });
}

test('only src/queries/audit-records.queries.ts names the audit tables', () => {
  const naming = sourceFiles('src').filter((rel) => /audit_records|audit_retention_gates/.test(fs.readFileSync(path.join(ROOT_DIR, rel), 'utf8')));
  expect(naming).toEqual([path.join('src', 'queries', 'audit-records.queries.ts')]);
});

test('the query module updates nothing and deletes only inside the retention function', () => {
  const source = fs.readFileSync(path.join(ROOT_DIR, 'src', 'queries', 'audit-records.queries.ts'), 'utf8');
  expect(source).not.toMatch(/\.update\(|\bupdate\s+audit_records/i);
  const deletes = [...source.matchAll(/\.(delete|del)\(/g)].map((m) => m.index!);
  const retention = source.indexOf('export async function deleteAuditRecordsBefore');
  expect(deletes.length).toBeGreaterThan(0);
  expect(deletes.every((at) => at > retention)).toBe(true);
  expect(source.slice(retention + 1)).not.toMatch(/export /);
});
