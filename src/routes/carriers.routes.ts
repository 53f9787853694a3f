import { Router } from 'express';
import type { AppDeps } from '../app';
import { carriersHandlers } from '../handlers/carriers.handlers';
import { carrierTestSendHandlers } from '../handlers/carrier-test-send.handlers';
import { requireAdmin } from '../middleware/auth';

export function carriersRoutes(deps: AppDeps): Router {
  const h = carriersHandlers(deps);
  const test = carrierTestSendHandlers(deps);
  return Router()
    .use(requireAdmin)
    .get('/', h.list)
    .get('/new', h.newForm)
    .post('/', h.create)
    // Before /:id, which would take "routes" for an id.
    .post('/routes', h.saveRoutes)
    .get('/:id/edit', h.editForm)
    .get('/:id/test-send', test.form)
    .post('/:id/test-send', test.send)
    .post('/:id', h.update)
    .post('/:id/disable', h.disable)
    .post('/:id/enable', h.enable)
    .post('/:id/delete', h.remove);
}
