import { postSendForm, sendFormApp, type SendFormApp } from '../helpers/send-form';
import { approvedTemplate } from '../helpers/catalogue';
import { switchQuietHoursOff } from '../helpers/send-rules';
import { toLocalInputValue } from '../../src/time/zoned-time';

let s: SendFormApp;
let marketingId: number;

beforeAll(async () => {
  s = await sendFormApp();
  marketingId = await approvedTemplate(s.t.db, '新品上市，全场八折。', 'marketing', 'sale');
});
afterAll(() => s.t.close());

/** A wall-clock time two days ahead in the test app's zone (Asia/Shanghai), as the datetime-local input sends it. */
const inTwoDays = (hhmm: string) => `${toLocalInputValue(new Date(Date.now() + 2 * 86_400_000), 'Asia/Shanghai').slice(0, 10)}T${hhmm}`;

/** The notice element, and whether it is shown (the form's script toggles `hidden`). */
function notice(html: string): { present: boolean; shown: boolean; text: string } {
  const m = /<p class="notice" role="status" data-night-notice([^>]*)>([^<]*)<\/p>/.exec(html);
  return { present: m !== null, shown: m !== null && !/\shidden(\s|$)/.test(m[1]), text: m?.[2] ?? '' };
}

describe('the marketing-at-night notice on the send form', () => {
  test.each([
    ['marketing', '22:30', true],
    ['marketing', '07:59', true],
    ['marketing', '08:00', false],
    ['marketing', '20:59', false],
    ['notification', '22:30', false],
  ])('%s scheduled at %s: shown %s', async (smsType, time, shown) => {
    const res = await s.member.get(`/tasks/new?smsType=${smsType}&sendMode=scheduled&sendAt=${inTwoDays(time)}`);
    expect(res.status).toBe(200);
    const n = notice(res.text);
    expect(n.present).toBe(true);
    expect(n.shown).toBe(shown);
  });

  test('it names the window and the zone, in both languages', async () => {
    const url = `/tasks/new?smsType=marketing&sendMode=scheduled&sendAt=${inTwoDays('23:00')}`;
    expect(notice((await s.member.get(url)).text).text).toContain('between 21:00 and 08:00 (Asia/Shanghai)');
    expect(notice((await s.member.get(url).set('Accept-Language', 'zh-CN')).text).text).toContain('21:00 至 08:00（Asia/Shanghai）');
  });
});

describe('the notice on the check page, which does not block the send', () => {
  // Enforced quiet hours (issue 14, on by default) would refuse a marketing schedule at night before any check page:
  // the notice is what remains when an admin has switched them off.
  beforeAll(() => switchQuietHoursOff(s.t.db));

  async function check(sendAt: string): Promise<string> {
    const res = await postSendForm(s.member, {
      smsType: 'marketing',
      signatureId: String(s.sigId),
      templateId: String(marketingId),
      recipientsMode: 'manual',
      manualNumbers: '13800138000',
      sendMode: 'scheduled',
      sendAt,
    });
    expect(res.status).toBe(303);
    return res.headers.location as string;
  }

  test('a marketing task scheduled at 23:00 is checked as usual, and its check page warns', async () => {
    const url = await check(inTwoDays('23:00'));
    const page = await s.member.get(url);
    expect(page.status).toBe(200);
    expect(notice(page.text).shown).toBe(true);
    expect(page.text).toContain('/confirm');
  });

  test('at 10:00 the check page does not', async () => {
    const page = await s.member.get(await check(inTwoDays('10:00')));
    expect(notice(page.text).shown).toBe(false);
  });
});
