import { Router } from 'express';
import type { AppDeps } from '../app';
import { authRoutes } from './auth.routes';
import { usersRoutes } from './users.routes';
import { settingsRoutes } from './settings.routes';
import { catalogueRoutes } from './catalogue.routes';
import { apiKeysRoutes } from './api-keys.routes';
import { apiRoutes } from './api.routes';
import { tasksRoutes } from './tasks.routes';
import { carriersRoutes } from './carriers.routes';
import { carrierMappingsRoutes } from './carrier-mappings.routes';
import { signatureKind, templateKind } from '../handlers/catalogue.kinds';
import { templateFitHandler } from '../handlers/template-fit.handlers';
import { apiDocsHandler } from '../handlers/api-docs.handlers';
import { requireUser } from '../middleware/auth';

export function buildRoutes(deps: AppDeps): Router {
  const router = Router();
  router.use(authRoutes(deps));
  router.use('/users', usersRoutes(deps));
  router.use('/settings', settingsRoutes(deps));
  router.use('/signatures', carrierMappingsRoutes(deps, 'signature'));
  router.use('/signatures', catalogueRoutes(deps, signatureKind));
  router.get('/templates/fit', requireUser, templateFitHandler(deps));
  router.use('/templates', carrierMappingsRoutes(deps, 'template'));
  router.use('/templates', catalogueRoutes(deps, templateKind));
  router.use('/tasks', tasksRoutes(deps));
  router.use('/api-keys', apiKeysRoutes(deps));
  router.use('/carriers', carriersRoutes(deps));
  router.get('/api-docs', requireUser, apiDocsHandler);
  router.use('/api/v1', apiRoutes(deps));
  return router;
}
