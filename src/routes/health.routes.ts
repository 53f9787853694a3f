import { Router } from 'express';
import type { AppDeps } from '../app';
import { healthHandlers } from '../handlers/health.handlers';

export function healthRoutes(deps: AppDeps): Router {
  const h = healthHandlers(deps);
  return Router().get('/healthz', h.health);
}
