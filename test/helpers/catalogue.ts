import type { Db } from '../../src/db/knex';
import { insertCatalogueItem, setReviewState } from '../../src/queries/catalogue.queries';

/** An approved signature or template straight in the database, for tests about what comes after review. */
export async function approvedSignature(db: Db, name: string, by = 1): Promise<number> {
  const id = await insertCatalogueItem(db, 'signatures', { name }, by);
  await setReviewState(db, 'signatures', id, ['pending'], { status: 'approved', reason: null, reviewerId: by });
  return id;
}

export async function approvedTemplate(db: Db, content: string, smsType = 'notification', name = 'tpl', by = 1): Promise<number> {
  const id = await insertCatalogueItem(db, 'templates', { name, sms_type: smsType, content }, by);
  await setReviewState(db, 'templates', id, ['pending'], { status: 'approved', reason: null, reviewerId: by });
  return id;
}
