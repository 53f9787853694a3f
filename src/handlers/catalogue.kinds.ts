import type { CatalogueKind } from './catalogue.handlers';
import {
  findSignature,
  findTemplate,
  listSignatures,
  listTemplates,
  signatureNameExists,
  type Signature,
  type Template,
} from '../queries/catalogue.queries';
import { parseSignatureForm, parseTemplateForm } from '../validators/catalogue.validators';
import type { SmsType } from '../sms/template';
import type { FieldErrors } from '../validators/validation';
import { templateFitFor } from '../services/template-fit.service';

export const signatureKind: CatalogueKind<Signature, { name: string }> = {
  table: 'signatures',
  formFields: ['name'],
  find: findSignature,
  list: (db, filter) => listSignatures(db, { status: filter.status }),
  parse: (body) => parseSignatureForm(body),
  async conflicts(db, value, exceptId): Promise<FieldErrors> {
    return (await signatureNameExists(db, value.name, exceptId)) ? { name: { key: 'signatures.errors.taken' } } : {};
  },
  toRow: (value) => ({ name: value.name }),
  toFormValues: (item) => ({ name: item.name }),
};

export const templateKind: CatalogueKind<Template, { name: string; smsType: SmsType; content: string }> = {
  table: 'templates',
  formFields: ['name', 'smsType', 'content'],
  find: findTemplate,
  list: listTemplates,
  parse: (body, settings) => parseTemplateForm(body, settings.unsubscribePhrases),
  conflicts: async () => ({}),
  toRow: (value) => ({ name: value.name, sms_type: value.smsType, content: value.content }),
  toFormValues: (item) => ({ name: item.name, smsType: item.smsType, content: item.content }),
  // An approved template that no signature leaves sendable would only fail later, on every send form.
  async approvalErrors(db, item): Promise<FieldErrors> {
    return (await templateFitFor(db, item.content)).fitsShortest ? {} : { form: { key: 'templates.fit.cannotApprove' } };
  },
};
