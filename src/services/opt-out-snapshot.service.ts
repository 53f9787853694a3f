import type { Knex } from 'knex';
import { eachOptOutPhonePage, optedOutAmong, optOutChangesSince, optOutChangesStart } from '../queries/opt-outs.queries';
import { changedKeySet, hasKey, keySetOf, phoneKey, type PhoneKeySet } from '../opt-outs/phone-keys';
import type { Logger } from '../log';
import type { OptOutKeys } from '../opt-outs/opt-out-screen';
import type { SendRuleSettings } from './settings.service';
import { rulesApplyTo } from './send-rules.service';

/**
 * The opt-out list in memory (issue 14: checking 100,000 rows against 1,000,000 numbers must add < 10% to the
 * import): its numbers' keys, sorted and indexed, in shared memory (13 MB for a million), so the import worker
 * checks each row as it packs it (src/opt-outs/opt-out-screen.ts) and refused rows never enter the pack.
 * A change builds a new set (about 40-70 ms for a million numbers) rather than changing the one a worker may read.
 *
 * Kept in step with the database without reading the list again: opt_out_history has a row for every change, so
 * before each use the changes after the last one seen are read (usually none: one indexed read), and each changed
 * number is looked up in `opt_outs` as it is now, which makes applying a change twice or late harmless. Every app
 * (each process, each knex instance) keeps its own, so a change made through another one is seen at the next use.
 * A check of a draft is exact as of that read; what changes later is caught at send time (status `suppressed`),
 * which stays the authority.
 */

export interface OptOutSnapshot {
  /** The keys (src/opt-outs/phone-keys.ts) of the listed numbers that have one. */
  keys: PhoneKeySet;
  /** Different for every state of every snapshot: a pack screened against one version needs no second look. */
  version: number;
}

interface State {
  snapshot: OptOutSnapshot | null;
  loading: Promise<OptOutSnapshot | null> | null;
  lastId: number;
  /** PostgreSQL: changes by transactions from this one on are read again (optOutChangesSince); null on SQLite. */
  sinceTxid: string | null;
  /** Reads are numbered as they begin; one that began before the applied one is older news and is dropped. */
  readsBegun: number;
  readApplied: number;
  /** Why the last load failed, for the log. */
  loadError: Error | null;
}

const LOAD_PAGE = 50_000;
let versions = 0;

// One state per database: keyed by the knex client's config, which a transaction shares with its knex instance.
const states = new WeakMap<object, State>();

function stateOf(db: Knex): State {
  const key = db.client.config as object;
  let state = states.get(key);
  if (!state) {
    state = { snapshot: null, loading: null, lastId: 0, sinceTxid: null, readsBegun: 0, readApplied: 0, loadError: null };
    states.set(key, state);
  }
  return state;
}

/**
 * The whole list, read once. The last change's id is read first: a change made during the read has a higher id and
 * is read again by the next sync (on PostgreSQL, one that commits late by its transaction id), so no transaction
 * has to hold the database for the second or so this takes.
 */
async function load(db: Knex, state: State): Promise<OptOutSnapshot> {
  const read = ++state.readsBegun;
  const { lastId, sinceTxid } = await optOutChangesStart(db);
  const found: number[] = [];
  await eachOptOutPhonePage(db, LOAD_PAGE, (phones) => {
    for (const phone of phones) {
      const key = phoneKey(phone);
      if (key !== null) found.push(key);
    }
  });
  const snapshot = { keys: keySetOf(found), version: ++versions };
  state.snapshot = snapshot;
  state.lastId = lastId;
  state.sinceTxid = sinceTxid;
  state.readApplied = read;
  return snapshot;
}

/** Reads the changes since the last read and applies them; a new version only when the keys changed. */
async function sync(db: Knex, state: State, current: OptOutSnapshot): Promise<OptOutSnapshot> {
  const read = ++state.readsBegun;
  const changes = await optOutChangesSince(db, state.lastId, state.sinceTxid);
  const keyed = changes.phones.filter((p) => phoneKey(p) !== null);
  const listed = keyed.length > 0 ? await optedOutAmong(db, keyed) : new Set<string>();
  if (read < state.readApplied || !state.snapshot) return state.snapshot ?? current;
  const snapshot = state.snapshot;
  const add: number[] = [];
  const remove = new Set<number>();
  for (const phone of keyed) {
    const key = phoneKey(phone)!;
    const on = hasKey(snapshot.keys, key);
    if (listed.has(phone) && !on) add.push(key);
    else if (!listed.has(phone) && on) remove.add(key);
  }
  if (add.length > 0 || remove.size > 0) state.snapshot = { keys: changedKeySet(snapshot.keys, add, remove), version: ++versions };
  state.lastId = Math.max(state.lastId, changes.lastId);
  state.sinceTxid = changes.sinceTxid;
  state.readApplied = read;
  return state.snapshot;
}

function startLoad(db: Knex, state: State): Promise<OptOutSnapshot | null> {
  if (!state.loading) {
    state.loading = load(db, state).catch((err: Error) => {
      // Not loaded: the check uses the database meanwhile, and the next import tries again.
      state.loading = null;
      state.loadError = err;
      return null;
    });
  }
  return state.loading;
}

/**
 * The snapshot, up to date, for an import about to start (outside any transaction): loaded at first use, waited
 * for if it is loading. Null if it could not be loaded (the database path is used instead).
 */
export async function optOutSnapshot(db: Knex): Promise<OptOutSnapshot | null> {
  const state = stateOf(db);
  const current = state.snapshot ?? (await startLoad(db, state));
  return current ? sync(db, state, current) : null;
}

/**
 * The snapshot, up to date, inside a transaction (`trx`): null while it is not loaded yet, never waiting for the
 * load (which reads through the pool, and the transaction may hold the pool's only connection).
 */
export async function loadedOptOutSnapshot(trx: Knex): Promise<OptOutSnapshot | null> {
  const state = stateOf(trx);
  return state.snapshot ? sync(trx, state, state.snapshot) : null;
}

/** The list for an import's worker to leave out of the pack, when a task of this type is checked against it. */
export async function optOutKeysFor(db: Knex, smsType: string, rules: SendRuleSettings): Promise<OptOutKeys | undefined> {
  if (!rulesApplyTo(smsType, rules)) return undefined;
  return (await optOutSnapshot(db)) ?? undefined;
}

/** Loads the snapshot in the background at start, so the first import does not wait for it. */
export function warmOptOutSnapshot(db: Knex, logger: Logger): void {
  const state = stateOf(db);
  void startLoad(db, state).then((snapshot) => {
    if (snapshot) logger.info('opt-out snapshot loaded', { numbers: snapshot.keys.keys.length });
    else logger.warn('opt-out snapshot not loaded: the opt-out check reads the database until it is', { error: state.loadError?.message });
  });
}
