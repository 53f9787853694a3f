import type { Knex } from 'knex';
import { listSignatures } from '../queries/catalogue.queries';
import { templateFit, type TemplateFit } from '../sms/template-fit';

/** A template's fit against the signatures approved now (any approved signature may be chosen on the send form). */
export async function templateFitFor(db: Knex, content: string): Promise<TemplateFit> {
  const approved = await listSignatures(db, { status: 'approved' });
  return templateFit(content, approved.map((s) => s.name));
}
