import { Router } from 'express';
import type { AppDeps } from '../app';
import { apiReceiptsHandlers } from '../handlers/api-receipts.handlers';
import { apiTasksHandlers } from '../handlers/api-tasks.handlers';
import { apiOptOutsHandlers } from '../handlers/api-opt-outs.handlers';
import { apiAuth } from '../middleware/api-auth';
import { rawJsonBody } from '../middleware/raw-body';
import { API_BURST, API_RATE_PER_SECOND, apiRateLimit, TokenBuckets } from '../middleware/rate-limit';

/**
 * The JSON API (`/api/v1`). The key is checked and the rate limit applied before the body is read, so a caller
 * without a valid key cannot make the server parse 20 MB of JSON. Errors, unknown paths included, are JSON
 * (src/middleware/error-handler.ts answers JSON under /api/).
 */
export function apiRoutes(deps: AppDeps): Router {
  const receipts = apiReceiptsHandlers(deps);
  const tasks = apiTasksHandlers(deps);
  const optOuts = apiOptOutsHandlers(deps);
  return Router()
    .use(apiAuth(deps.db, deps.logger))
    .use(apiRateLimit(new TokenBuckets(API_RATE_PER_SECOND, API_BURST)))
    .get('/receipts', receipts.list)
    .get('/tasks/:id', tasks.show)
    // Read, not parsed: the import worker parses it (src/middleware/raw-body.ts).
    .post('/tasks', rawJsonBody('20mb'), tasks.create)
    .get('/opt-outs', optOuts.list)
    .get('/opt-outs/:phone', optOuts.show)
    .post('/opt-outs', optOuts.json, optOuts.create)
    .delete('/opt-outs/:phone', optOuts.json, optOuts.remove);
}
