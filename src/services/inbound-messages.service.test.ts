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
