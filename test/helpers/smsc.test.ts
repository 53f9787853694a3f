import { once } from 'node:events';
import * as smpp from 'smpp';
import type { PDU, Session } from 'smpp';
import { TestSmsc } from './smsc';
import { buildSubmitParts, encodeText, splitText } from '../../src/sms/smpp-parts';
import { readDeliverSm } from '../../src/carrier/smpp-receipt';
import { classifySmppStatus } from '../../src/carrier/smpp-errors';

/** The library's own client, bound to the test SMSC; it answers every deliver_sm and keeps them in order. */
interface Client {
  session: Session;
  bindStatus: number;
  delivered: PDU[];
  /** Every PDU received, in order, to check what came before what. */
  seen: PDU[];
}

const open: Session[] = [];
let smsc: TestSmsc;

afterEach(async () => {
  for (const session of open.splice(0)) session.destroy();
  await smsc?.close();
});

type BindCommand = 'bind_transceiver' | 'bind_transmitter' | 'bind_receiver';

async function connect(credentials = { system_id: 'qunfa', password: 'secret' }, bindAs: BindCommand = 'bind_transceiver'): Promise<Client> {
  const session = smpp.connect({ host: '127.0.0.1', port: smsc.port });
  open.push(session);
  session.on('error', () => {});
  const client: Client = { session, bindStatus: -1, delivered: [], seen: [] };
  session.on('pdu', (pdu: PDU) => client.seen.push(pdu));
  session.on('deliver_sm', (pdu: PDU) => {
    client.delivered.push(pdu);
    session.send(pdu.response());
  });
  await once(session, 'connect');
  client.bindStatus = (await call(session, bindAs, credentials)).command_status;
  return client;
}

function call(session: Session, command: BindCommand | 'submit_sm' | 'enquire_link' | 'unbind', options: Record<string, unknown>): Promise<PDU> {
  return new Promise((resolve, reject) => {
    if (!session[command](options, resolve)) reject(new Error(`${command}: the session is closed`));
  });
}

const submit = (client: Client, fields: Record<string, unknown>) =>
  call(client.session, 'submit_sm', { destination_addr: '8613800138000', registered_delivery: 1, ...fields });

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

describe('binding', () => {
  test('the right password binds; a wrong one is refused with ESME_RBINDFAIL and the line closed', async () => {
    smsc = await TestSmsc.start({ systemId: 'qunfa', password: 'secret' });
    expect((await connect()).bindStatus).toBe(0);
    const refused = await connect({ system_id: 'qunfa', password: 'wrong' });
    expect(refused.bindStatus).toBe(smpp.ESME_RBINDFAIL);
    expect(classifySmppStatus(refused.bindStatus)).toEqual(expect.objectContaining({ kind: 'permanent', name: 'ESME_RBINDFAIL' }));
    await once(refused.session, 'close');
    expect(smsc.binds).toEqual([
      { command: 'bind_transceiver', systemId: 'qunfa', accepted: true },
      { command: 'bind_transceiver', systemId: 'qunfa', accepted: false },
    ]);
    expect(smsc.boundSessions()).toBe(1);
  });

  test('enquire_link is answered and counted', async () => {
    smsc = await TestSmsc.start();
    const client = await connect();
    expect((await call(client.session, 'enquire_link', {})).command_status).toBe(0);
    expect(smsc.enquireLinks).toBe(1);
    expect((await call(client.session, 'unbind', {})).command_status).toBe(0);
    await once(client.session, 'close');
    expect(smsc.boundSessions()).toBe(0);
  });

  test('separate transmitter and receiver binds: deliver_sm goes to the receiver', async () => {
    smsc = await TestSmsc.start();
    const transmitter = await connect(undefined, 'bind_transmitter');
    const receiver = await connect(undefined, 'bind_receiver');
    expect(await smsc.sendMo({ from: '8613800138000', to: '10690001', short_message: 'T' })).toBe(0);
    expect([transmitter.delivered.length, receiver.delivered.length]).toEqual([0, 1]);
    expect(smsc.binds.map((b) => b.command)).toEqual(['bind_transmitter', 'bind_receiver']);
  });
});

describe('submit_sm', () => {
  test('a 3-part UCS-2 message built by smpp-parts reaches the SMSC with its headers, in order', async () => {
    smsc = await TestSmsc.start({ messageIds: 'hex' });
    const client = await connect();
    const text = '【腾讯云】您的验证码是 4321😀，五分钟内有效。'.padEnd(150, '好');
    const parts = buildSubmitParts(text, 'udh', 0x5c);
    const resps = [];
    for (const part of parts) resps.push(await submit(client, { ...part }));
    expect(resps.map((r) => r.command_status)).toEqual([0, 0, 0]);
    expect(resps.map((r) => r.message_id)).toEqual(smsc.submits.map((s) => s.messageId));
    expect(smsc.submits.map((s) => s.messageId?.match(/^[0-9A-F]+$/) !== null)).toEqual([true, true, true]);
    const texts = splitText(text);
    smsc.submits.forEach((record, i) => {
      expect(record.dataCoding).toBe(8);
      expect(record.pdu.esm_class).toBe(0x40);
      expect([...(record.udh ?? [])]).toEqual([5, 0, 3, 0x5c, 3, i + 1]);
      expect(record.text).toBe(texts[i]);
      expect(record.bytes).toEqual(encodeText(texts[i], 8));
    });
    expect(smsc.countsBy((r) => r.destination)).toEqual(new Map([['8613800138000', 3]]));
  });

  test('the message_payload form arrives as one submit_sm with the whole text', async () => {
    smsc = await TestSmsc.start();
    const client = await connect();
    const text = '验'.repeat(150);
    for (const part of buildSubmitParts(text, 'payload', 1)) await submit(client, { ...part });
    expect(smsc.submits).toHaveLength(1);
    expect(smsc.submits[0]).toEqual(expect.objectContaining({ udh: null, text }));
  });

  test('throttled answers map to a temporary status; the SMSC logs every attempt', async () => {
    smsc = await TestSmsc.start();
    const client = await connect();
    smsc.throttleNext(2);
    smsc.queueAnswers({ kind: 'status', status: smpp.errors.ESME_RINVDSTADR });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await submit(client, { short_message: 'Hi' })).command_status);
    expect(statuses.map((s) => classifySmppStatus(s).kind)).toEqual(['throttle', 'throttle', 'permanent', 'ok']);
    expect(classifySmppStatus(statuses[0]).code).toBe('SMPP:0x00000058');
    expect(smsc.submits.map((s) => s.answer)).toEqual(['status', 'status', 'status', 'accept']);
  });

  test('a silent answer leaves its submit unanswered while later ones are answered', async () => {
    smsc = await TestSmsc.start();
    const client = await connect();
    smsc.queueAnswers({ kind: 'silent' });
    let silentAnswered = false;
    void submit(client, { short_message: 'one' }).then(() => (silentAnswered = true));
    expect((await submit(client, { short_message: 'two' })).command_status).toBe(0);
    expect(silentAnswered).toBe(false);
    expect(smsc.submits.map((s) => [s.text, s.answer])).toEqual([['one', 'silent'], ['two', 'accept']]);
  });

  test('drop closes the connection after logging the submit; dropAll closes every one', async () => {
    smsc = await TestSmsc.start();
    const first = await connect();
    smsc.queueAnswers({ kind: 'drop' });
    first.session.submit_sm({ destination_addr: '1', short_message: 'lost?' });
    await once(first.session, 'close');
    expect(smsc.submits.map((s) => [s.text, s.answer, s.messageId])).toEqual([['lost?', 'drop', null]]);
    const second = await connect();
    smsc.dropAll();
    await once(second.session, 'close');
  });

  test('a submit before any bind is refused with ESME_RINVBNDSTS', async () => {
    smsc = await TestSmsc.start();
    const session = smpp.connect({ host: '127.0.0.1', port: smsc.port });
    open.push(session);
    await once(session, 'connect');
    const resp = await call(session, 'submit_sm', { destination_addr: '1', short_message: 'x' });
    expect(classifySmppStatus(resp.command_status)).toEqual(expect.objectContaining({ kind: 'temporary', name: 'ESME_RINVBNDSTS' }));
  });
});

describe('deliver_sm to the client', () => {
  test('a text receipt with a decimal id for a hex submit id, parsed by smpp-receipt', async () => {
    smsc = await TestSmsc.start({ messageIds: 'hex', receiptIds: 'decimal', firstMessageId: 987654321 });
    const client = await connect();
    const resp = await submit(client, { short_message: 'Code 1' });
    expect(resp.message_id).toBe('3ADE68B1');
    expect(await smsc.sendReceipt(String(resp.message_id), { stat: 'UNDELIV', form: 'text', err: '001' })).toBe(0);
    expect(String((client.delivered[0].short_message as { message: string }).message)).toMatch(/^id:987654321 /);
    expect(readDeliverSm(client.delivered[0], 'decimal-to-hex')).toEqual(
      expect.objectContaining({ kind: 'receipt', carrierMessageId: '3ade68b1', outcome: 'failed', code: 'UNDELIV', remark: 'err:001', source: 'text' }),
    );
  });

  test('a TLV receipt, and one sent before its submit_sm_resp', async () => {
    smsc = await TestSmsc.start({ autoReceipt: { stat: 'DELIVRD', form: 'tlv' } });
    const client = await connect();
    const resp = await submit(client, { short_message: 'Code 2' });
    await until(() => client.delivered.length === 1);
    expect(readDeliverSm(client.delivered[0])).toEqual(expect.objectContaining({ carrierMessageId: resp.message_id, outcome: 'delivered', source: 'tlv' }));

    smsc.queueAnswers({ kind: 'accept', receiptBefore: { stat: 'DELIVRD', form: 'text' } });
    const early = await submit(client, { short_message: 'Code 3' });
    await until(() => client.delivered.length === 3);
    const order = client.seen.map((pdu) => pdu.command).filter((c) => c === 'deliver_sm' || c === 'submit_sm_resp');
    expect(order.slice(-3, -1)).toEqual(['deliver_sm', 'submit_sm_resp']);
    expect(readDeliverSm(client.delivered[1])).toEqual(expect.objectContaining({ carrierMessageId: early.message_id }));
  });

  test('an MO reply in UCS-2 is decoded', async () => {
    smsc = await TestSmsc.start();
    const client = await connect();
    expect(await smsc.sendMo({ from: '8613800138000', to: '10690001', data_coding: 8, short_message: '退订' })).toBe(0);
    expect(readDeliverSm(client.delivered[0])).toEqual({
      kind: 'mo', from: '8613800138000', to: '10690001', text: '退订', dataCoding: 8, concat: null,
    });
  });
});
