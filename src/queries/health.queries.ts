import type { Knex } from 'knex';
import { zeroBytes } from '../db/dialect';

export async function pingDatabase(db: Knex): Promise<void> {
  await db.raw('select 1');
}

/** Bytes the probe writes: several pages, so that a database that cannot grow fails it with SQLITE_FULL. */
const PROBE_BYTES = 64 * 1024;

class ProbeRolledBack extends Error {}

/**
 * A write that takes the write lock and new pages, then rolls back: it stores nothing. It does not wait for the
 * lock (`busyWaitMs: 0`): a held lock is the answer, DbBusyError.
 */
export async function probeWrite(db: Knex): Promise<void> {
  try {
    await db.transaction(
      async (trx) => {
        await trx('health_probes').insert({ body: zeroBytes(trx, PROBE_BYTES) });
        throw new ProbeRolledBack();
      },
      { userParams: { busyWaitMs: 0 } },
    );
  } catch (err) {
    if (!(err instanceof ProbeRolledBack)) throw err;
  }
}
