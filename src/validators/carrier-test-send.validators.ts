import { normalizePhone } from '../sms/phone';
import { field, type FieldErrors, type Parsed } from './validation';

export const TEST_TEXT_MAX = 500;

/** The test send form: a mainland mobile number (formatted as people type it) and a text of at most 500 characters. */
export function parseTestSendForm(body: unknown): Parsed<{ phone: string; text: string }> {
  const errors: FieldErrors = {};
  const phone = normalizePhone(field(body, 'phone'));
  if (!phone.ok) errors.phone = { key: `carriers.testSend.errors.phone` };
  const text = field(body, 'text').trim();
  if (text === '') errors.text = { key: 'carriers.testSend.errors.textRequired' };
  else if ([...text].length > TEST_TEXT_MAX) errors.text = { key: 'carriers.testSend.errors.textTooLong', params: { max: TEST_TEXT_MAX } };
  if (Object.keys(errors).length > 0 || !phone.ok) return { ok: false, errors };
  return { ok: true, value: { phone: phone.phone, text } };
}
