import path from 'node:path';
import express from 'express';
import session from 'express-session';
import type { Config } from './config';
import type { CarrierDirectory } from './services/carrier-test-send.service';
import { ROOT_DIR } from './config';
import type { Db } from './db/knex';
import type { Logger } from './log';
import { securityHeaders } from './middleware/security';
import { noStore } from './middleware/no-store';
import { csrfProtection } from './middleware/csrf';
import { refuseCrossSiteWrites } from './middleware/fetch-site';
import { SessionStore } from './middleware/session-store';
import { localsMiddleware } from './middleware/locals';
import { layoutMiddleware } from './middleware/layout';
import { loadUser, setupGate } from './middleware/auth';
import { twoFactorGate } from './middleware/two-factor-gate';
import { notFound, errorHandler } from './middleware/error-handler';
import { buildRoutes } from './routes';
import { renderEjs } from './view-engine';
import { healthRoutes } from './routes/health.routes';
import { carrierCallbacksRoutes } from './routes/carrier-callbacks.routes';
import { DEFAULT_IMPORT_QUEUE, DEFAULT_IMPORT_WORKERS, ImportGate } from './imports/import-gate';
import { ImportProgressBoard } from './services/import-progress.service';

export interface AppDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** Starts the dispatcher at once after a confirm (absent in tests that do not dispatch). */
  wakeDispatcher?: () => void;
  /** The dispatcher's carriers, for the test send on /carriers (absent in tests that do not dispatch). */
  carriers?: CarrierDirectory;
  /** The process-wide cap on import workers; createApp makes one from the config when none is given. */
  importGate?: ImportGate;
  /** How far each running import is, for the send form's polling; createApp makes one when none is given. */
  importProgress?: ImportProgressBoard;
}

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    locale?: string;
    flash?: { type: 'success' | 'error'; key: string; params?: Record<string, string | number> };
  }
}

/** Builds the Express app without listening, so tests drive it with supertest. */
export function createApp(given: AppDeps): express.Express {
  const { db, config } = given;
  const deps: AppDeps = {
    ...given,
    importGate: given.importGate ?? new ImportGate(config.importWorkers ?? DEFAULT_IMPORT_WORKERS, config.importQueueLength ?? DEFAULT_IMPORT_QUEUE),
    importProgress: given.importProgress ?? new ImportProgressBoard(),
  };
  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.set('views', path.join(ROOT_DIR, 'views'));
  app.set('view engine', 'ejs');
  app.engine('ejs', renderEjs);
  // Templates do not change while the app runs; compiling them once per process keeps pages fast in every mode.
  app.set('view cache', true);
  app.disable('x-powered-by');
  app.locals.deps = deps;

  app.use(securityHeaders());
  app.use('/public', express.static(path.join(ROOT_DIR, 'public'), { maxAge: '1h', index: false }));
  app.use(noStore());
  // Before sessions and the locals (which read settings): a health probe needs neither, and must answer 503,
  // not fail in them, when the database is gone.
  app.use(healthRoutes(deps));
  // Issue 11: providers push receipts and replies with no session or CSRF token, only the one in the URL.
  app.use(carrierCallbacksRoutes(deps));
  // The JSON API reads its own bodies, after the API key and the rate limit (src/routes/api.routes.ts).
  const outsideApi = (parse: express.RequestHandler): express.RequestHandler => (req, res, next) =>
    req.path.startsWith('/api/') ? next() : parse(req, res, next);
  app.use(outsideApi(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 2000 })));
  app.use(outsideApi(express.json({ limit: '20mb' })));
  app.use(
    session({
      name: 'qunfa.sid',
      secret: config.sessionSecret,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      store: new SessionStore(db),
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 8 * 60 * 60 * 1000 },
    }),
  );
  app.use(loadUser(db));
  app.use(localsMiddleware(deps));
  app.use(layoutMiddleware());
  app.use(setupGate(db));
  app.use(twoFactorGate(db));
  app.use(refuseCrossSiteWrites);
  app.use(csrfProtection);
  app.use(buildRoutes(deps));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
