import { Router } from 'express';
import type { AppDeps } from '../app';
import { taskFormHandlers } from '../handlers/task-form.handlers';
import { taskCheckHandlers } from '../handlers/task-check.handlers';
import { taskDetailHandlers } from '../handlers/task-detail.handlers';
import { taskListHandlers } from '../handlers/task-list.handlers';
import { taskExportHandlers } from '../handlers/task-export.handlers';
import { taskResendHandlers } from '../handlers/task-resend.handlers';
import { requireUser, requireUserJson } from '../middleware/auth';

export function tasksRoutes(deps: AppDeps): Router {
  const form = taskFormHandlers(deps);
  const check = taskCheckHandlers(deps);
  const detail = taskDetailHandlers(deps);
  const list = taskListHandlers(deps);
  const exportAs = taskExportHandlers(deps);
  const resend = taskResendHandlers(deps);
  return Router()
    .get('/progress', requireUserJson, list.progress)
    .get('/:id/progress', requireUserJson, detail.progress)
    .use(requireUser)
    .get('/', list.list)
    .get('/new', form.newForm)
    .get('/preview', form.preview)
    .get('/import-template.xlsx', form.importTemplate('xlsx'))
    .get('/import-template.csv', form.importTemplate('csv'))
    .post('/', form.submit)
    .get('/imports/:ticket', form.importStatus)
    .get('/:id/check', check.showCheck)
    .post('/:id/confirm', check.confirm)
    .get('/:id/invalid-rows.csv', check.invalidRowsCsv)
    .get('/:id/messages.csv', exportAs('csv'))
    .get('/:id/messages.xlsx', exportAs('xlsx'))
    .post('/:id/resend', resend('failed'))
    .post('/:id/send-rest', resend('rest'))
    .get('/:id', detail.show)
    .post('/:id/cancel', detail.action('cancel'))
    .post('/:id/stop', detail.action('stop'));
}
