/**
 * The app's side of draft-move.worker.ts: a thread with its own connection that moves a confirming task's draft a
 * part at a time (issue 15), so that the statements' hundreds of milliseconds are spent off the event loop.
 *
 * While the thread runs a part, this side holds the app's one write connection (knex's pool slot, no transaction
 * on it): the app's own writers queue behind the part as they would behind any transaction, and knex hands them
 * the connection before the next part. The part takes SQLite's write lock on the thread's connection.
 */
import { Worker } from 'node:worker_threads';
import type { Knex } from 'knex';
import { workerEntry } from '../workers/worker-entry';
import { writesOpen } from '../db/write-gate';
import { isSqlite, LARGE_MOVE_CACHE_KIB } from './draft-recipients.sqlite.queries';
import type { PartResult } from './draft-move.worker';

interface PoolClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(conn: unknown): Promise<unknown>;
  config: { connection?: { filename?: string } };
}

function databaseFile(db: Knex): string | undefined {
  const file = (db.client as PoolClient).config.connection?.filename;
  return file && file !== ':memory:' ? file : undefined;
}

/** A thread can share the database only when it is a file (an in-memory one is private to its connection). */
export function canMoveInThread(db: Knex): boolean {
  return isSqlite(db) && !db.isTransaction && databaseFile(db) !== undefined;
}

type Reply = { ok: true; result: PartResult; moved: number } | { ok: false; error: string };

export class DraftMoveThread {
  private constructor(
    private readonly db: Knex,
    private readonly worker: Worker,
  ) {}

  /** Starts the thread on the database's file and waits for its connection to be open. */
  static async open(db: Knex): Promise<DraftMoveThread> {
    const entry = workerEntry(__filename, 'draft-move.worker');
    const [{ wal_autocheckpoint: autocheckpoint }] = (await db.raw('PRAGMA wal_autocheckpoint')) as { wal_autocheckpoint: number }[];
    const worker = new Worker(entry.file, { workerData: { filename: databaseFile(db), cacheKib: LARGE_MOVE_CACHE_KIB, autocheckpoint }, execArgv: entry.execArgv });
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`the draft move thread exited with ${code} before it was ready`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', () => {
        // Only these: the Worker's own listeners (which start its message port) must stay.
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve();
      });
    });
    return new DraftMoveThread(db, worker);
  }

  /** Moves the task's next part in the thread; this process's other writers wait for it, as for a transaction. */
  async part(taskId: string, partChunks: number): Promise<{ result: PartResult; moved: number }> {
    const client = this.db.client as PoolClient;
    // A pause the WAL checkpointer asked for (write-gate.ts) holds a part back as it holds any write.
    await writesOpen(this.db.client);
    const conn = await client.acquireConnection();
    try {
      const reply = await new Promise<Reply>((resolve, reject) => {
        const onExit = (code: number) => reject(new Error(`the draft move thread exited with ${code} mid-part`));
        this.worker.once('exit', onExit);
        this.worker.once('error', reject);
        this.worker.once('message', (m: Reply) => {
          this.worker.off('exit', onExit);
          this.worker.off('error', reject);
          resolve(m);
        });
        this.worker.postMessage({ taskId, partChunks });
      });
      if (!reply.ok) throw new Error(reply.error);
      return { result: reply.result, moved: reply.moved };
    } finally {
      await client.releaseConnection(conn);
    }
  }

  /** Closes the thread's connection and ends it. */
  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('close');
    await exited;
  }
}
