import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { ApiError } from '../http-error';
import { apiVisibleTask } from '../services/api-tasks.service';
import { receiptsPage, ReceiptsCursor } from '../services/receipts-feed.service';
import { parseReceiptsQuery, RECEIPTS_LIMIT_MAX } from '../validators/api.validators';
import { receiptJson } from './api-json';

export function apiReceiptsHandlers({ db, config }: AppDeps) {
  const cursors = new ReceiptsCursor(config.sessionSecret);
  return {
    async list(req: Request, res: Response) {
      const parsed = parseReceiptsQuery(req.query as Record<string, unknown>);
      if (!parsed.ok) {
        const { param } = parsed.error;
        if (param === 'limit') throw new ApiError(400, 'invalid_limit', 'api.errors.limit', { max: RECEIPTS_LIMIT_MAX });
        if (param === 'since') throw new ApiError(400, 'invalid_cursor', 'api.errors.cursor');
        throw new ApiError(400, 'invalid_task_id', 'api.errors.taskId');
      }
      const query = parsed.value;
      if (query.taskId !== null) await apiVisibleTask(db, query.taskId);
      const page = await receiptsPage(db, cursors, query);
      if (!page.ok) throw new ApiError(400, 'invalid_cursor', page.error === 'cursor_task_mismatch' ? 'api.errors.cursorTask' : 'api.errors.cursor');
      res.json({ receipts: page.receipts.map(receiptJson), next_cursor: page.nextCursor });
    },
  };
}
