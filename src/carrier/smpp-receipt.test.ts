import iconv from 'iconv-lite';
import { PDU } from 'smpp';
import { joinMoParts, moConcatKey, normaliseMessageId, readDeliverSm, type SmppMo } from './smpp-receipt';

/** A deliver_sm as it arrives: encoded by node-smpp, then decoded from the bytes as the session does. */
function wire(options: Record<string, unknown>): PDU {
  return new PDU(new PDU('deliver_sm', { source_addr: '8613800138000', destination_addr: '10690001', ...options }).toBuffer());
}

const receipt = (text: string, extra: Record<string, unknown> = {}) => wire({ esm_class: 0x04, data_coding: 0, short_message: text, ...extra });

const TEXT = 'id:1234567890 sub:001 dlvrd:001 submit date:2612041830 done date:2612041831 stat:DELIVRD err:000 text:Your code';

describe('delivery receipts in the text form', () => {
  test.each([
    ['the standard form', TEXT, { carrierMessageId: '1234567890', outcome: 'delivered', code: 'DELIVRD', err: '000', doneDate: '2612041831' }],
    ['lower case keys and stat', TEXT.toLowerCase(), { carrierMessageId: '1234567890', outcome: 'delivered', code: 'DELIVRD' }],
    ['extra spaces', '  id: 42   sub:001  stat : UNDELIV   err: 001  ', { carrierMessageId: '42', outcome: 'failed', code: 'UNDELIV', err: '001', remark: 'err:001' }],
    ['missing sub, dlvrd, dates and err', 'id:7 stat:EXPIRED', { carrierMessageId: '7', outcome: 'failed', code: 'EXPIRED', err: null, remark: '', doneDate: null }],
    ['REJECTD', 'id:7 stat:REJECTD err:0B', { outcome: 'failed', code: 'REJECTD', remark: 'err:0B' }],
    ['DELETED', 'id:7 stat:DELETED', { outcome: 'failed', code: 'DELETED' }],
    ['UNKNOWN', 'id:7 stat:UNKNOWN', { outcome: 'failed', code: 'UNKNOWN' }],
    ['ACCEPTD is not final', 'id:7 stat:ACCEPTD', { outcome: 'pending', code: 'ACCEPTD' }],
    ['ENROUTE is not final', 'id:7 stat:ENROUTE', { outcome: 'pending', code: 'ENROUTE' }],
    ['a long spelling', 'id:7 stat:DELIVERED', { outcome: 'delivered', code: 'DELIVRD' }],
    ['a hex id kept as it is', 'id:3ade68b1 stat:DELIVRD', { carrierMessageId: '3ade68b1' }],
    ['a user text that looks like fields', 'id:9 stat:UNDELIV err:001 text:id:1 stat:DELIVRD', { carrierMessageId: '9', code: 'UNDELIV' }],
    ['underscored date keys', 'id:9 submit_date:2612041830 done_date:2612041831 stat:DELIVRD', { doneDate: '2612041831' }],
  ])('%s', (_label, text, expected) => {
    expect(readDeliverSm(receipt(text))).toEqual(expect.objectContaining({ kind: 'receipt', source: 'text', ...expected }));
  });

  test('the text in message_payload when short_message is empty', () => {
    const pdu = wire({ esm_class: 0x04, data_coding: 0, message_payload: 'id:5 stat:DELIVRD' });
    expect(readDeliverSm(pdu)).toEqual(expect.objectContaining({ kind: 'receipt', carrierMessageId: '5', code: 'DELIVRD' }));
  });
});

describe('delivery receipts in the TLV form', () => {
  test('receipted_message_id and message_state win over the text', () => {
    const pdu = receipt('id:111 stat:UNDELIV err:005', { receipted_message_id: '3ADE68B1', message_state: 2 });
    expect(readDeliverSm(pdu)).toEqual({
      kind: 'receipt', carrierMessageId: '3ADE68B1', outcome: 'delivered', code: 'DELIVRD',
      err: '005', remark: 'err:005', doneDate: null, source: 'tlv',
    });
  });

  test.each([
    [3, 'failed', 'EXPIRED'], [4, 'failed', 'DELETED'], [5, 'failed', 'UNDELIV'], [6, 'pending', 'ACCEPTD'],
    [7, 'failed', 'UNKNOWN'], [8, 'failed', 'REJECTD'], [1, 'pending', 'ENROUTE'],
  ])('message_state %i -> %s %s, with no text at all', (state, outcome, code) => {
    const pdu = wire({ esm_class: 0x04, receipted_message_id: '77', message_state: state });
    expect(readDeliverSm(pdu)).toEqual(expect.objectContaining({ carrierMessageId: '77', outcome, code, source: 'tlv' }));
  });

  test('an id TLV with the stat from the text', () => {
    expect(readDeliverSm(receipt('stat:DELIVRD', { receipted_message_id: '88' }))).toEqual(
      expect.objectContaining({ carrierMessageId: '88', code: 'DELIVRD', source: 'mixed' }),
    );
  });
});

describe('receipt id normalisers', () => {
  test.each([
    ['as-is', ' 00FF ', '00FF'],
    ['hex-to-decimal', '3ade68b1', '987654321'],
    ['hex-to-decimal', '3ADE68B1', '987654321'],
    ['decimal-to-hex', '987654321', '3ade68b1'],
    ['decimal-to-hex', '18446744073709551615', 'ffffffffffffffff'],
    ['hex-to-decimal', 'xyz', null],
    ['decimal-to-hex', '12a', null],
    ['as-is', '  ', null],
  ] as const)('%s %p -> %p', (mode, id, expected) => {
    expect(normaliseMessageId(id, mode)).toBe(expected);
  });

  test('a decimal text id matched to a hex submit_sm_resp id, and the reverse', () => {
    expect(readDeliverSm(receipt('id:987654321 stat:DELIVRD'), 'decimal-to-hex')).toEqual(expect.objectContaining({ carrierMessageId: '3ade68b1' }));
    expect(readDeliverSm(receipt('id:3ade68b1 stat:DELIVRD'), 'hex-to-decimal')).toEqual(expect.objectContaining({ carrierMessageId: '987654321' }));
  });
});

describe('garbled receipts are a typed result, never a throw', () => {
  test.each([
    ['empty', '', 'no_id'],
    ['noise', '@@@ ??? ###', 'no_id'],
    ['no stat', 'id:5 sub:001 dlvrd:001 err:000', 'no_stat'],
    ['an unknown stat', 'id:5 stat:WHATEVER', 'unknown_stat'],
    ['fields only inside the user text', 'text:id:5 stat:DELIVRD', 'no_id'],
  ])('%s', (_label, text, reason) => {
    expect(readDeliverSm(receipt(text))).toEqual({ kind: 'unparseable', reason, text });
  });

  test('a hex id under decimal-to-hex', () => {
    expect(readDeliverSm(receipt('id:3ade68b1 stat:DELIVRD'), 'decimal-to-hex')).toEqual(expect.objectContaining({ kind: 'unparseable', reason: 'bad_id' }));
  });

  test('odd field types from a hand-made PDU', () => {
    expect(readDeliverSm({ esm_class: 4, short_message: 42, receipted_message_id: {}, message_state: 'x' })).toEqual({
      kind: 'unparseable', reason: 'no_id', text: '',
    });
    expect(readDeliverSm({})).toEqual({ kind: 'mo', from: '', to: '', text: '', dataCoding: 0, concat: null });
  });
});

describe('MO messages', () => {
  test.each([
    ['GSM/ASCII (0)', 0, 'T', 'T'],
    ['UCS-2 (8)', 8, '退订', '退订'],
    ['Latin-1 (3)', 3, 'Olá, café', 'Olá, café'],
    ['GBK (15)', 15, iconv.encode('退订 谢谢', 'gbk'), '退订 谢谢'],
  ])('%s', (_label, dataCoding, message, text) => {
    const mo = readDeliverSm(wire({ esm_class: 0, data_coding: dataCoding, short_message: message }));
    expect(mo).toEqual({ kind: 'mo', from: '8613800138000', to: '10690001', text, dataCoding, concat: null });
  });

  test('a concatenated UCS-2 reply, parts out of order and one repeated', () => {
    const full = '请不要再给我发短信了😀谢谢';
    const cut = [full.slice(0, 6), full.slice(6, 12), full.slice(12)];
    const part = (seq: number) =>
      readDeliverSm(
        wire({ esm_class: 0x40, data_coding: 8, short_message: { udh: Buffer.from([5, 0, 3, 0x2a, 3, seq]), message: cut[seq - 1] } }),
      ) as SmppMo;
    const parts = [part(3), part(1), part(1), part(2)];
    expect(parts.map((p) => p.concat)).toEqual([
      { reference: 0x2a, total: 3, sequence: 3 },
      { reference: 0x2a, total: 3, sequence: 1 },
      { reference: 0x2a, total: 3, sequence: 1 },
      { reference: 0x2a, total: 3, sequence: 2 },
    ]);
    expect(new Set(parts.map(moConcatKey))).toEqual(new Set(['8613800138000|10690001|42|3']));
    expect(joinMoParts(parts)).toEqual({ complete: true, text: full });
    expect(joinMoParts([parts[0], parts[3]])).toEqual({ complete: false, missing: [1] });
  });

  test('a 16-bit reference header and a raw short_message buffer', () => {
    const bytes = Buffer.concat([Buffer.from([6, 8, 4, 0x12, 0x34, 2, 2]), iconv.encode('订', 'gbk')]);
    const mo = readDeliverSm({ esm_class: 0x40, data_coding: 15, source_addr: '1', destination_addr: '2', short_message: bytes });
    expect(mo).toEqual(expect.objectContaining({ text: '订', concat: { reference: 0x1234, total: 2, sequence: 2 } }));
  });

  test('sar_* TLVs instead of a header', () => {
    const mo = readDeliverSm(wire({ data_coding: 0, short_message: 'STOP', sar_msg_ref_num: 9, sar_total_segments: 2, sar_segment_seqnum: 1 }));
    expect(mo).toEqual(expect.objectContaining({ text: 'STOP', concat: { reference: 9, total: 2, sequence: 1 } }));
  });

  test('a single part is complete by itself', () => {
    const mo = readDeliverSm(wire({ data_coding: 0, short_message: 'T' })) as SmppMo;
    expect(moConcatKey(mo)).toBeNull();
    expect(joinMoParts([mo])).toEqual({ complete: true, text: 'T' });
  });
});
