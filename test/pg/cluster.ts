/**
 * A throwaway PostgreSQL cluster from Debian's postgresql binaries, for `npm run test:pg` (run-pg.ts) and the
 * bench's PostgreSQL suite (test/bench/pg.bench.ts): initdb in a temp dir (as the `postgres` user when running as
 * root: the server refuses to run as root), fsync off, its unix socket in the temp dir and a random TCP port on
 * 127.0.0.1. `stop()` stops it and removes the directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawnSync } from 'node:child_process';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a postgres binary, as `postgres` when we are root; throws with its output when it fails. */
function pgTool(tool: string, args: string[]): void {
  const binary = path.join(PG_BIN, tool);
  const asRoot = process.getuid?.() === 0;
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', binary, ...args], { encoding: 'utf8' })
    : spawnSync(binary, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout || result.error}`);
}

export interface Cluster {
  url: string;
  stop(): void;
}

export async function startCluster(settings: { extraOptions?: string } = {}): Promise<Cluster> {
  if (!fs.existsSync(path.join(PG_BIN, 'initdb'))) {
    throw new Error(`no PostgreSQL binaries in ${PG_BIN}: apt-get install postgresql, or set TEST_DATABASE_URL`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-pg-'));
  if (process.getuid?.() === 0) spawnSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const port = await freePort();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      pgTool('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-s']);
    } catch {
      // Not started, or already gone: the directory goes anyway.
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    pgTool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    const options = `-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c listen_addresses=127.0.0.1 -p ${port} -k ${dir}${settings.extraOptions ? ` ${settings.extraOptions}` : ''}`;
    pgTool('pg_ctl', ['start', '-D', data, '-w', '-s', '-l', path.join(dir, 'server.log'), '-o', options]);
  } catch (err) {
    stop();
    throw err;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}
