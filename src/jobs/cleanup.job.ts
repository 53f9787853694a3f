import type { Knex } from 'knex';
import { deleteExpiredSessions } from '../queries/sessions.queries';
import { deleteFailuresBefore } from '../queries/login-attempts.queries';
import { FAILURE_WINDOW_MS } from '../services/auth.service';

/** Expired sessions and login failures older than the throttle window serve no purpose. */
export async function runCleanup(db: Knex): Promise<{ sessions: number; loginAttempts: number }> {
  const now = Date.now();
  const sessions = await deleteExpiredSessions(db, new Date(now).toISOString());
  const loginAttempts = await deleteFailuresBefore(db, new Date(now - FAILURE_WINDOW_MS).toISOString());
  return { sessions, loginAttempts };
}
