import type { Db } from '../../src/db/knex';
import { insertCatalogueItem, setReviewState } from '../../src/queries/catalogue.queries';
import { addUser } from './app';

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

/**
 * What a send-form test starts from: an admin, a member "mia", and an approved signature and template (reviewed by
 * the admin). Returns both users' ids.
 */
export async function adminMemberAndCatalogue(
  db: Db,
  template: { content: string; smsType?: string; name?: string },
  signature = '腾讯云',
): Promise<{ adminId: number; memberId: number }> {
  const adminId = await addUser(db, 'admin', 'admin');
  const memberId = await addUser(db, 'mia', 'member');
  await approvedSignature(db, signature, adminId);
  await approvedTemplate(db, template.content, template.smsType, template.name, adminId);
  return { adminId, memberId };
}
