import { Router } from 'express';
import type { AppDeps } from '../app';
import { carrierMappingsHandlers } from '../handlers/carrier-mappings.handlers';
import { requireAdmin } from '../middleware/auth';
import type { MappedItem } from '../queries/carrier-mappings.queries';

/** Mounted at /templates and /signatures before their catalogue routes (issue 11: provider templates). */
export function carrierMappingsRoutes(deps: AppDeps, item: MappedItem): Router {
  const h = carrierMappingsHandlers(deps, item);
  return Router()
    .get('/:id/mappings', requireAdmin, h.show)
    .post('/:id/mappings', requireAdmin, h.save)
    .post('/:id/mappings/:accountId/fetch', requireAdmin, h.fetch);
}
