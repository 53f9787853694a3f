import { Router } from 'express';
import type { AppDeps } from '../app';
import { taskFormHandlers } from '../handlers/task-form.handlers';
import { taskCheckHandlers } from '../handlers/task-check.handlers';
import { taskDetailHandlers } from '../handlers/task-detail.handlers';
import { requireUser } from '../middleware/auth';

export function tasksRoutes(deps: AppDeps): Router {
  const form = taskFormHandlers(deps);
  const check = taskCheckHandlers(deps);
  const detail = taskDetailHandlers(deps);
  return Router()
    .use(requireUser)
    .get('/', check.list)
    .get('/new', form.newForm)
    .get('/preview', form.preview)
    .get('/import-template.xlsx', form.importTemplate('xlsx'))
    .get('/import-template.csv', form.importTemplate('csv'))
    .post('/', form.submit)
    .get('/:id/check', check.showCheck)
    .post('/:id/confirm', check.confirm)
    .get('/:id/invalid-rows.csv', check.invalidRowsCsv)
    .get('/:id', detail.show)
    .post('/:id/cancel', detail.action('cancel'))
    .post('/:id/stop', detail.action('stop'));
}
