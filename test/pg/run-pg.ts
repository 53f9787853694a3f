/**
 * `npm run test:pg`: the suite on PostgreSQL (issue 13). With TEST_DATABASE_URL set (a role that may CREATE
 * DATABASE), jest runs against that server. Without it, a throwaway cluster is made from Debian's postgresql
 * binaries: initdb in a temp dir (as the `postgres` user when running as root: the server refuses to run as root),
 * fsync off, its unix socket in the temp dir and a random TCP port on 127.0.0.1; it is stopped and removed
 * afterwards, also when jest fails or the run is interrupted.
 *
 * Each test gets a database of its own (test/helpers/test-db.ts), copied from a template migrated here once.
 * Arguments are passed to jest (`npm run test:pg -- test/routes/users.test.ts`).
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT_DIR } from '../../src/config';
import { createDb, migrateLatest } from '../../src/db/knex';
import { PG_SUITE, SQLITE_ONLY, TEMPLATE_DATABASE } from './suite';
import { startCluster } from './cluster';

/** The template every test database is copied from: all migrations applied once. */
async function prepareTemplate(adminUrl: string): Promise<void> {
  const admin = createDb(adminUrl, { poolMax: 1 });
  try {
    await admin.raw(`drop database if exists ${TEMPLATE_DATABASE}`);
    await admin.raw(`create database ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.destroy();
  }
  const template = createDb(adminUrl.replace(/\/[^/?]*(\?|$)/, `/${TEMPLATE_DATABASE}$1`), { poolMax: 1 });
  try {
    await migrateLatest(template);
  } finally {
    await template.destroy();
  }
}

let jestChild: ReturnType<typeof spawn> | undefined;

function runJest(url: string, args: string[]): Promise<number> {
  const jest = path.join(ROOT_DIR, 'node_modules', 'jest', 'bin', 'jest.js');
  // A path among the arguments (not an option, nor the value of -t): that is what runs, else the suite.
  const named = args.some((a, i) => !a.startsWith('-') && !/^(-t|--testNamePattern)$/.test(args[i - 1] ?? ''));
  const paths = named ? args : [...PG_SUITE, ...args];
  const ignore = ['/node_modules/', ...SQLITE_ONLY.map((p) => `<rootDir>/${p}`)];
  // Last: the option takes a list, and would swallow the paths and options after it.
  const child = (jestChild = spawn(process.execPath, [jest, '--runInBand', ...paths, '--testPathIgnorePatterns', ...ignore], {
    cwd: ROOT_DIR,
    stdio: 'inherit',
    env: { ...process.env, TEST_DATABASE_URL: url },
  }));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

async function main(): Promise<number> {
  const given = process.env.TEST_DATABASE_URL;
  const cluster = given ? undefined : await startCluster();
  const onSignal = (signal: NodeJS.Signals) => {
    // A Ctrl-C in a terminal reaches jest too; a signal sent to this process alone must stop it as well.
    jestChild?.kill('SIGKILL');
    cluster?.stop();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const url = given ?? cluster!.url;
    await prepareTemplate(url);
    return await runJest(url, process.argv.slice(2));
  } finally {
    cluster?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`test:pg: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
