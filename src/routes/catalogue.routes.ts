import { Router } from 'express';
import type { AppDeps } from '../app';
import { catalogueHandlers, type CatalogueKind } from '../handlers/catalogue.handlers';
import { requireAdmin, requireUser } from '../middleware/auth';
import type { ReviewFields } from '../queries/catalogue.queries';

/** The same table of routes serves /signatures and /templates. */
export function catalogueRoutes<T extends ReviewFields & { name: string }, V extends Record<string, unknown>>(deps: AppDeps, kind: CatalogueKind<T, V>): Router {
  const h = catalogueHandlers(deps, kind);
  return Router()
    .use(requireUser)
    .get('/', h.list)
    .get('/new', h.newForm)
    .post('/', h.create)
    .get('/:id', h.show)
    .get('/:id/edit', h.editForm)
    .post('/:id', h.update)
    .post('/:id/approve', requireAdmin, h.approve)
    .post('/:id/reject', requireAdmin, h.reject)
    .post('/:id/disable', requireAdmin, h.disable)
    .post('/:id/enable', requireAdmin, h.enable);
}
