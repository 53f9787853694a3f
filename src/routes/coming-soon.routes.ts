import { Router, type Request, type Response } from 'express';
import { requireAdmin } from '../middleware/auth';

/** Pages of the product nav that later work will fill in; they answer a plain page, not a 404. */
function comingSoon(_req: Request, res: Response) {
  res.render('pages/coming-soon/show', { title: res.locals.t('comingSoon.title') });
}

export function comingSoonRoutes(): Router {
  return Router().get('/api-keys', requireAdmin, comingSoon);
}
