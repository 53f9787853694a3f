import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as smpp from 'smpp';
import type { PDU, Session } from 'smpp';

/**
 * A local SMSC for the tests of the SMPP connector, built on node-smpp's server side and listening on 127.0.0.1 on
 * a random port. It keeps every submit_sm it receives (answered or not), so a test can count how many times each
 * message reached it, and it answers as the test tells it: accept, throttle, refuse, stay silent, or drop the line.
 */

export type IdBase = 'decimal' | 'hex';

export interface SmscOptions {
  /** When set, a bind with another system_id or password is refused with ESME_RBINDFAIL and the line closed. */
  systemId?: string;
  password?: string;
  /** How submit_sm_resp message ids are written: decimal, or upper-case hex. */
  messageIds?: IdBase;
  /** How receipts write the id (text form and TLV): like the submit_sm_resp by default. */
  receiptIds?: IdBase;
  /** The first message id handed out; large enough that its decimal and hex forms differ. */
  firstMessageId?: number;
  /** Send this receipt after every accepted submit_sm. */
  autoReceipt?: ReceiptSpec;
  /** Listen with TLS, with this key and certificate. */
  tls?: { key: Buffer; cert: Buffer };
}

export interface ReceiptSpec {
  stat: string;
  form: 'text' | 'tlv';
  err?: string;
}

/**
 * What the SMSC does with one submit_sm. `accept` may send its receipt before the submit_sm_resp, as some SMSCs do
 * under load; `silent` never answers; `drop` closes the connection without answering.
 */
export type SubmitAnswer =
  | { kind: 'accept'; receiptBefore?: ReceiptSpec }
  | { kind: 'status'; status: number }
  | { kind: 'silent' }
  | { kind: 'drop' };

export interface SubmitRecord {
  pdu: PDU;
  destination: string;
  dataCoding: number;
  /** The concatenation header as sent (length byte included), or null. */
  udh: Buffer | null;
  /** short_message's text (without the header), or message_payload's when short_message is empty. */
  text: string;
  /** That text encoded back with the PDU's data_coding: the bytes the handset would get. */
  bytes: Buffer;
  answer: SubmitAnswer['kind'];
  /** The id given in the submit_sm_resp (accepted submits only). */
  messageId: string | null;
  status: number | null;
}

const BIND_COMMANDS = ['bind_transceiver', 'bind_transmitter', 'bind_receiver'] as const;

function writeId(id: number, base: IdBase): string {
  return base === 'hex' ? id.toString(16).toUpperCase() : String(id);
}

function decodedBody(value: unknown): { udh: Buffer | null; text: string } {
  if (Buffer.isBuffer(value)) return { udh: null, text: value.toString('latin1') };
  const { udh, message } = (value ?? {}) as { udh?: Buffer[]; message?: string | Buffer };
  const header = udh?.length ? Buffer.concat([Buffer.from([udh.reduce((n, ie) => n + ie.length, 0)]), ...udh]) : null;
  return { udh: header, text: typeof message === 'string' ? message : (message?.toString('latin1') ?? '') };
}

function encodeBack(text: string, dataCoding: number): Buffer {
  if ((dataCoding & 0x0f) === 8) return smpp.encodings.UCS2.encode(text);
  if ((dataCoding & 0x0f) === 3) return smpp.encodings.LATIN1.encode(text);
  return smpp.encodings.ASCII.encode(text);
}

export class TestSmsc {
  readonly submits: SubmitRecord[] = [];
  readonly binds: Array<{ command: string; systemId: string; accepted: boolean }> = [];
  enquireLinks = 0;
  /** unbind requests received (a graceful client stop sends one per link). */
  unbinds = 0;
  private readonly answers: SubmitAnswer[] = [];
  private nextId: number;
  private readonly bound = new Set<Session>();
  private readonly messageIdToNumber = new Map<string, number>();

  private constructor(
    private readonly server: smpp.Server,
    readonly port: number,
    private readonly options: SmscOptions,
  ) {
    this.nextId = options.firstMessageId ?? 3_000_000_000;
  }

  static async start(options: SmscOptions = {}): Promise<TestSmsc> {
    let smsc: TestSmsc | undefined;
    const listener = (session: Session) => smsc?.attach(session);
    const server = options.tls ? smpp.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : smpp.createServer(listener);
    // Sockets the tests break on purpose report errors; they must not become unhandled 'error' events.
    server.on('error', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    smsc = new TestSmsc(server, (server.address() as AddressInfo).port, options);
    return smsc;
  }

  /** The answers for the next submit_sm, one each, in order; after them every submit is accepted. */
  queueAnswers(...answers: SubmitAnswer[]): void {
    this.answers.push(...answers);
  }

  throttleNext(count: number, status = smpp.ESME_RTHROTTLED): void {
    this.queueAnswers(...Array.from({ length: count }, () => ({ kind: 'status' as const, status })));
  }

  /** How many submit_sm reached the SMSC per key (e.g. destination, or destination and text). */
  countsBy(key: (record: SubmitRecord) => string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const record of this.submits) counts.set(key(record), (counts.get(key(record)) ?? 0) + 1);
    return counts;
  }

  /** Closes every connection at once, as a crashed or restarted SMSC would. */
  dropAll(): void {
    for (const session of this.server.sessions.slice()) session.destroy();
  }

  boundSessions(): number {
    return this.bound.size;
  }

  /** A receipt for an accepted submit, to the first bound session that can receive. Resolves with the resp status. */
  sendReceipt(messageId: string, spec: ReceiptSpec, session?: Session): Promise<number> {
    const id = this.messageIdToNumber.get(messageId);
    const written = id === undefined ? messageId : writeId(id, this.options.receiptIds ?? this.options.messageIds ?? 'decimal');
    const fields: Record<string, unknown> =
      spec.form === 'tlv'
        ? { receipted_message_id: written, message_state: TLV_STATES[spec.stat] ?? 7 }
        : {
            short_message: `id:${written} sub:001 dlvrd:${spec.stat === 'DELIVRD' ? '001' : '000'} submit date:2612041830 done date:2612041831 stat:${spec.stat} err:${spec.err ?? '000'} text:`,
          };
    return this.deliver({ esm_class: 0x04, data_coding: 0, ...fields }, session);
  }

  /** A reply from a handset. `short_message` may be a string (encoded by data_coding), a Buffer, or {udh, message}. */
  sendMo(fields: { from: string; to: string; data_coding?: number; short_message: unknown; esm_class?: number }): Promise<number> {
    const { from, to, ...rest } = fields;
    return this.deliver({ source_addr: from, destination_addr: to, data_coding: 0, ...rest });
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private deliver(fields: Record<string, unknown>, session?: Session): Promise<number> {
    const target = session ?? [...this.bound].find((s) => RECEIVES.has(String((s as SessionState).bindCommand)));
    if (!target) return Promise.reject(new Error('no bound session can receive a deliver_sm'));
    return new Promise((resolve, reject) => {
      const sent = target.deliver_sm(fields, (resp) => resolve(resp.command_status));
      if (!sent) reject(new Error('the session is closed'));
    });
  }

  private attach(session: Session): void {
    session.on('error', () => {});
    session.on('close', () => this.bound.delete(session));
    for (const command of BIND_COMMANDS) session.on(command, (pdu: PDU) => this.onBind(session, command, pdu));
    session.on('enquire_link', (pdu: PDU) => {
      this.enquireLinks += 1;
      session.send(pdu.response());
    });
    session.on('unbind', (pdu: PDU) => {
      this.unbinds += 1;
      this.bound.delete(session);
      session.send(pdu.response(), () => session.close());
    });
    session.on('submit_sm', (pdu: PDU) => this.onSubmit(session, pdu));
    session.on('deliver_sm_resp', () => {});
  }

  private onBind(session: Session, command: string, pdu: PDU): void {
    const systemId = String(pdu.system_id ?? '');
    const refused =
      (this.options.systemId !== undefined && systemId !== this.options.systemId) ||
      (this.options.password !== undefined && pdu.password !== this.options.password);
    this.binds.push({ command, systemId, accepted: !refused });
    if (refused) {
      session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }), () => session.close());
      return;
    }
    (session as SessionState).bindCommand = command;
    this.bound.add(session);
    session.send(pdu.response({ system_id: 'qunfa-test-smsc' }));
  }

  private onSubmit(session: Session, pdu: PDU): void {
    const dataCoding = Number(pdu.data_coding ?? 0);
    const short = decodedBody(pdu.short_message);
    const body = short.text || pdu.message_payload === undefined ? short : { ...decodedBody(pdu.message_payload), udh: short.udh };
    const answer: SubmitAnswer = this.bound.has(session)
      ? (this.answers.shift() ?? { kind: 'accept' })
      : { kind: 'status', status: smpp.errors.ESME_RINVBNDSTS };
    const record: SubmitRecord = {
      pdu,
      destination: String(pdu.destination_addr ?? ''),
      dataCoding,
      udh: body.udh,
      text: body.text,
      bytes: encodeBack(body.text, dataCoding),
      answer: answer.kind,
      messageId: null,
      status: null,
    };
    this.submits.push(record);
    if (answer.kind === 'silent') return;
    if (answer.kind === 'drop') {
      session.destroy();
      return;
    }
    if (answer.kind === 'status') {
      record.status = answer.status;
      session.send(pdu.response({ command_status: answer.status }));
      return;
    }
    const id = this.nextId++;
    record.messageId = writeId(id, this.options.messageIds ?? 'decimal');
    record.status = 0;
    this.messageIdToNumber.set(record.messageId, id);
    if (answer.receiptBefore) {
      // Written first on the same session: the client reads the receipt before the resp of the submit it reports on.
      void this.sendReceipt(record.messageId, answer.receiptBefore, session).catch(() => {});
    }
    session.send(pdu.response({ message_id: record.messageId }));
    if (this.options.autoReceipt) void this.sendReceipt(record.messageId, this.options.autoReceipt, session).catch(() => {});
  }
}

type SessionState = Session & { bindCommand?: string };
const RECEIVES = new Set(['bind_transceiver', 'bind_receiver']);
/** message_state values (SMPP 3.4 5.2.28) for the stat words. */
const TLV_STATES: Record<string, number> = { ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8 };
