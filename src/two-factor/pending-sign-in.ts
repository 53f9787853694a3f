import type { Request } from 'express';
import type { User } from '../queries/users.queries';

declare module 'express-session' {
  interface SessionData {
    /**
     * Between the password step and the code step: whose password was right, when, and where to go after. The
     * session is not signed in (no userId) until the code step, which regenerates it.
     */
    twoFactorSignIn?: { userId: number; generation: number; next: string; startedAt: number };
    /** The recovery codes just made, shown once by the next GET of the recovery-codes page, then gone. */
    twoFactorRecoveryCodes?: string[];
  }
}

/** Time to type a code after the password; after it, sign-in starts again from the password. */
export const CODE_STEP_MS = 5 * 60 * 1000;

export function beginCodeStep(req: Request, user: Pick<User, 'id' | 'sessionGeneration'>, next: string, now = Date.now()): void {
  req.session.twoFactorSignIn = { userId: user.id, generation: user.sessionGeneration, next, startedAt: now };
}

/** The sign-in waiting for its code, or null when there is none or it took too long. */
export function pendingSignIn(req: Request, now = Date.now()) {
  const pending = req.session.twoFactorSignIn;
  if (!pending) return null;
  if (now - pending.startedAt > CODE_STEP_MS) {
    delete req.session.twoFactorSignIn;
    return null;
  }
  return pending;
}
