import type { Db } from '../db/knex';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/test-db';
import { findInboundMessage, listInboundMessages } from '../queries/inbound-messages.queries';
import { recordInboundMessage } from './inbound-messages.service';

describe('recordInboundMessage', () => {
  let db: Db;
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
    db = database.db;
  });
  afterEach(() => database.drop());

  it('stores a reply once per (account, carrier reference), and lists newest first with filters', async () => {
    const accountId = (await db('carrier_accounts').first('id')).id as number;
    const first = await recordInboundMessage(db, { accountId, phone: '13800138000', text: '退订', receivedAt: '2026-12-05T01:00:00.000Z', carrierRef: 'mo-1' });
    const repeat = await recordInboundMessage(db, { accountId, phone: '13800138000', text: '退订', receivedAt: '2026-12-05T01:00:00.000Z', carrierRef: 'mo-1' });
    const other = await recordInboundMessage(db, { accountId, phone: '13900139000', text: 'Stop please', receivedAt: '2026-12-05T02:00:00.000Z' });
    expect(first).toEqual(expect.any(Number));
    expect(repeat).toBeNull();
    expect(other).toEqual(expect.any(Number));
    expect((await findInboundMessage(db, first!))?.text).toBe('退订');
    expect((await listInboundMessages(db, {}, 10)).map((m) => m.id)).toEqual([other, first]);
    expect((await listInboundMessages(db, { phonePrefix: '1380' }, 10)).map((m) => m.id)).toEqual([first]);
    expect((await listInboundMessages(db, { text: 'STOP' }, 10)).map((m) => m.id)).toEqual([other]);
    expect((await listInboundMessages(db, { from: '2026-12-05T01:30:00.000Z' }, 10)).map((m) => m.id)).toEqual([other]);
    expect((await listInboundMessages(db, {}, 10, other!)).map((m) => m.id)).toEqual([first]);
  });
});

describe('recordInboundMessage: unsubscribe replies (issue 14)', () => {
  let db: Db;
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
    db = database.db;
  });
  afterEach(() => database.drop());

  const reply = (phone: string, text: string, carrierRef?: string) => recordInboundMessage(db, { accountId: null, phone, text, receivedAt: '2026-12-05T01:00:00.000Z', carrierRef });

  it('puts the number on the list, source reply, the message linked, in the same transaction', async () => {
    const id = await reply('8613800138000', ' ｔ ');
    const row = await db('opt_outs').where({ phone: '13800138000' }).first();
    expect(row).toMatchObject({ source: 'reply', inbound_message_id: id });
    const history = await db('opt_out_history').where({ phone: '13800138000' });
    expect(history).toEqual([expect.objectContaining({ action: 'add', source: 'reply', inbound_message_id: id, user_id: null })]);
  });

  it('leaves replies that only contain a keyword, and repeats add no second history row', async () => {
    await reply('13900139000', '退订了吗?');
    await reply('13700137000', 'stop it');
    expect(await db('opt_outs').count({ n: '*' }).first()).toEqual({ n: 0 });
    await reply('13900139000', '退订');
    await reply('13900139000', 'TD');
    expect(await db('opt_outs').pluck('phone')).toEqual(['13900139000']);
    expect(await db('opt_out_history').count({ n: '*' }).first()).toEqual({ n: 1 });
  });

  it('uses the keywords of the settings', async () => {
    await db('settings').insert({ key: 'sendRules', value: JSON.stringify({ optOutKeywords: ['BYE'], transactionalExempt: true, quietHours: { enabled: false, start: '21:00', end: '08:00', timeZone: '' }, frequencyCaps: { perDay: 0, perPeriod: 0, periodDays: 7 } }), updated_at: '2026-12-05T00:00:00.000Z' });
    await reply('13800138000', 'T');
    await reply('13900139000', 'bye');
    expect(await db('opt_outs').pluck('phone')).toEqual(['13900139000']);
  });

  it('a sender that is not a mainland mobile (a short code) is stored but puts nothing on the list', async () => {
    const id = await reply('10086', 'T');
    expect(id).toEqual(expect.any(Number));
    expect(await db('opt_outs').count({ n: '*' }).first()).toEqual({ n: 0 });
  });
});
