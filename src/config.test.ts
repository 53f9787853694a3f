import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './config';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-config-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A complete, valid environment in a temp DATA_DIR; each test spoils one variable. */
const env = (over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({ DATA_DIR: path.join(tmp, 'data'), ...over });

function configError(e: NodeJS.ProcessEnv): string {
  try {
    loadConfig(e);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toMatch(/\n/); // one clear line
    return message;
  }
  throw new Error('loadConfig accepted a bad value');
}

describe('loadConfig defaults', () => {
  test('PORT 3000, ./data created under the working directory, info logs, no proxy, the server zone', () => {
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      const config = loadConfig({});
      expect(config.port).toBe(3000);
      expect(config.dataDir).toBe(path.join(fs.realpathSync(tmp), 'data'));
      expect(fs.statSync(path.join(tmp, 'data')).isDirectory()).toBe(true);
      expect(config.databaseFile).toBe(path.join(config.dataDir, 'qunfa.sqlite'));
      expect(config.logLevel).toBe('info');
      expect(config.trustProxy).toBe(false);
      expect(config.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
      expect(config.adminUsername).toBeUndefined();
      expect(Object.isFrozen(config)).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  test('empty strings count as unset', () => {
    const config = loadConfig(env({ PORT: '', TZ: '', LOG_LEVEL: '', TRUST_PROXY: '', SESSION_SECRET: '' }));
    expect(config.port).toBe(3000);
    expect(config.logLevel).toBe('info');
  });

  test('good values are taken', () => {
    const config = loadConfig(
      env({ PORT: '8080', TZ: 'Asia/Shanghai', LOG_LEVEL: 'debug', TRUST_PROXY: '1', ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'long enough pw' }),
    );
    expect(config).toMatchObject({ port: 8080, timeZone: 'Asia/Shanghai', logLevel: 'debug', trustProxy: 1, adminUsername: 'root', adminPassword: 'long enough pw' });
    expect(loadConfig(env({ TRUST_PROXY: 'true' })).trustProxy).toBe(true);
    expect(loadConfig(env({ TRUST_PROXY: 'loopback, 10.0.0.0/8' })).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(loadConfig(env({ TRUST_PROXY: '::1,192.168.1.1' })).trustProxy).toBe('::1,192.168.1.1');
  });
});

describe('a bad value stops the start with one line naming the variable', () => {
  test.each([
    ['PORT', { PORT: 'abc' }, /^PORT\b.*"abc"/],
    ['PORT', { PORT: '70000' }, /^PORT\b.*"70000"/],
    ['PORT', { PORT: '0' }, /^PORT\b/],
    ['PORT', { PORT: '80.5' }, /^PORT\b/],
    ['TZ', { TZ: 'Mars/Olympus' }, /^TZ\b.*"Mars\/Olympus"/],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL\b.*"loud"/],
    ['ADMIN_USERNAME without ADMIN_PASSWORD', { ADMIN_USERNAME: 'root' }, /ADMIN_PASSWORD/],
    ['ADMIN_PASSWORD without ADMIN_USERNAME', { ADMIN_PASSWORD: 'long enough pw' }, /ADMIN_USERNAME/],
    ['ADMIN_PASSWORD too short', { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'short' }, /^ADMIN_PASSWORD\b/],
    ['ADMIN_USERNAME not a valid username', { ADMIN_USERNAME: 'x', ADMIN_PASSWORD: 'long enough pw' }, /^ADMIN_USERNAME\b/],
    ['ADMIN_USERNAME with spaces', { ADMIN_USERNAME: 'the boss', ADMIN_PASSWORD: 'long enough pw' }, /^ADMIN_USERNAME\b/],
    ['SESSION_SECRET too short', { SESSION_SECRET: 'short-secret' }, /^SESSION_SECRET\b/],
    ['DATABASE_URL not postgres', { DATABASE_URL: 'mysql://db/qunfa', SESSION_SECRET: 'x'.repeat(32) }, /^DATABASE_URL\b/],
    ['DATABASE_URL without SESSION_SECRET', { DATABASE_URL: 'postgres://db/qunfa' }, /^SESSION_SECRET must be set when DATABASE_URL/],
    ['DATABASE_POOL_MAX below 2', { DATABASE_POOL_MAX: '1' }, /^DATABASE_POOL_MAX\b/],
    ['TRUST_PROXY with symbols', { TRUST_PROXY: 'yes please!' }, /^TRUST_PROXY\b/],
    ['TRUST_PROXY a word express cannot use', { TRUST_PROXY: 'yes' }, /^TRUST_PROXY\b.*"yes"/],
    ['TRUST_PROXY a bad subnet', { TRUST_PROXY: '10.0.0.0/99' }, /^TRUST_PROXY\b/],
  ])('%s', (_name, bad, expected) => {
    expect(configError(env(bad))).toMatch(expected);
  });

  test('DATA_DIR that cannot be a directory', () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    expect(configError({ DATA_DIR: path.join(file, 'sub') })).toMatch(/^DATA_DIR\b/);
  });

  test('every value that passes the check is one express accepts', () => {
    // createApp hands trustProxy to express; a value that passes config but makes express throw would crash the
    // start with a stack trace instead of the one-line message.
    const express = jest.requireActual('express');
    for (const raw of ['true', 'false', '2', 'loopback', 'loopback, linklocal, uniquelocal', '10.0.0.1', '10.0.0.0/8', 'fe80::/10']) {
      const app = express();
      expect(() => app.set('trust proxy', loadConfig(env({ TRUST_PROXY: raw })).trustProxy)).not.toThrow();
    }
  });
});

describe('DATABASE_URL', () => {
  test('unset: SQLite in DATA_DIR, as before', () => {
    expect(loadConfig(env()).databaseUrl).toBeUndefined();
  });

  test('postgres:// with SESSION_SECRET: PostgreSQL, a pool of 10 unless DATABASE_POOL_MAX says otherwise', () => {
    const secret = 's'.repeat(40);
    const config = loadConfig(env({ DATABASE_URL: 'postgres://qunfa@db/qunfa', SESSION_SECRET: secret }));
    expect(config).toMatchObject({ databaseUrl: 'postgres://qunfa@db/qunfa', databasePoolMax: 10, sessionSecret: secret });
    expect(loadConfig(env({ DATABASE_URL: 'postgresql://db/q', SESSION_SECRET: secret, DATABASE_POOL_MAX: '25' })).databasePoolMax).toBe(25);
  });
});

describe('files', () => {
  test('DATA_DIR is created private (0700)', () => {
    const config = loadConfig(env());
    expect((fs.statSync(config.dataDir).mode & 0o777).toString(8)).toBe('700');
  });
});

describe('SESSION_SECRET', () => {
  test('generated once into DATA_DIR, kept private, and reused on the next load', () => {
    const first = loadConfig(env());
    const file = path.join(tmp, 'data', 'session-secret');
    expect(fs.existsSync(file)).toBe(true);
    expect(first.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    const second = loadConfig(env());
    expect(second.sessionSecret).toBe(first.sessionSecret);
  });

  test('each data directory gets its own secret', () => {
    const a = loadConfig(env({ DATA_DIR: path.join(tmp, 'a') }));
    const b = loadConfig(env({ DATA_DIR: path.join(tmp, 'b') }));
    expect(a.sessionSecret).not.toBe(b.sessionSecret);
  });

  test('a given SESSION_SECRET is used as is and nothing is written', () => {
    const secret = 'x'.repeat(40);
    expect(loadConfig(env({ SESSION_SECRET: secret })).sessionSecret).toBe(secret);
    expect(fs.existsSync(path.join(tmp, 'data', 'session-secret'))).toBe(false);
  });
});

describe('QUNFA_SECRET_KEY', () => {
  const hex = 'ab'.repeat(32);

  test('generated once into DATA_DIR (0600) as 32 bytes, and reused on the next load', () => {
    const first = loadConfig(env());
    const file = path.join(tmp, 'data', 'secret-key');
    expect(first.secretKey.length).toBe(32);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(loadConfig(env()).secretKey.equals(first.secretKey)).toBe(true);
    expect(loadConfig(env({ DATA_DIR: path.join(tmp, 'other') })).secretKey.equals(first.secretKey)).toBe(false);
  });

  test('64 hex digits or base64 of 32 bytes are used as given, and nothing is written', () => {
    expect(loadConfig(env({ QUNFA_SECRET_KEY: hex })).secretKey).toEqual(Buffer.alloc(32, 0xab));
    expect(loadConfig(env({ QUNFA_SECRET_KEY: Buffer.alloc(32, 0xab).toString('base64') })).secretKey).toEqual(Buffer.alloc(32, 0xab));
    expect(loadConfig(env({ QUNFA_SECRET_KEY: Buffer.alloc(32, 0xfb).toString('base64url') })).secretKey).toEqual(Buffer.alloc(32, 0xfb));
    expect(fs.existsSync(path.join(tmp, 'data', 'secret-key'))).toBe(false);
  });

  test.each([
    ['too short hex', 'ab'.repeat(31)],
    ['too long hex', 'ab'.repeat(33)],
    ['16 bytes of base64', Buffer.alloc(16, 1).toString('base64')],
    ['not base64', 'a passphrase is not a key, even a long one!!'],
  ])('%s is refused with one line naming the variable', (_name, value) => {
    expect(configError(env({ QUNFA_SECRET_KEY: value }))).toBe('QUNFA_SECRET_KEY must be 32 bytes written as base64 or as 64 hex digits');
  });

  test('a damaged key file stops the start with one line naming the file', () => {
    fs.mkdirSync(path.join(tmp, 'data'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'data', 'secret-key'), 'garbage\n');
    expect(configError(env())).toMatch(/secret-key must hold 32 bytes/);
  });
});
