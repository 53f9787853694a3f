import type { PDU } from 'smpp';
import type { OutgoingMessage } from './carrier';
import { SendPacer } from './send-pacer';
import { SubmitUnanswered, type SmppSession, type SubmitAnswer } from './smpp-session';
import { SmppSubmitter, type SubmitterRules } from './smpp-submitter';

type Answer = (resp: PDU | null, unanswered: SubmitUnanswered | null) => void;

/** A session without a socket: it keeps what was submitted, and the test answers each submit, oldest first. */
class FakeSession {
  up = true;
  lastError: string | null = null;
  readonly sent: Array<{ fields: Record<string, unknown>; answer: Answer; done: boolean }> = [];
  outstanding = 0;
  maxOutstanding = 0;

  constructor(private readonly window: number) {}

  get canSubmit(): boolean {
    return this.up && this.outstanding < this.window;
  }

  submitNow<T>(fields: Record<string, unknown>, token: T, answer: SubmitAnswer<T>): void {
    this.outstanding += 1;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    this.sent.push({ fields, done: false, answer: (resp, unanswered) => answer(token, resp, unanswered) });
  }

  private next(): Answer {
    const submit = this.sent.find((s) => !s.done);
    if (!submit) throw new Error('nothing outstanding');
    submit.done = true;
    this.outstanding -= 1;
    return submit.answer;
  }

  answerNext(status: number, messageId = ''): void {
    this.next()({ command_status: status, message_id: messageId } as unknown as PDU, null);
  }

  loseNext(written: boolean): void {
    this.next()(null, new SubmitUnanswered('no answer: connection closed', written));
  }
}

const message = (id: number, parts = 1): OutgoingMessage => ({ id, phone: `1391234${String(id).padStart(4, '0')}`, content: `m${id}/${parts}` });

/** Each message has as many parts as its content says after the slash; a part's fields name the message and the part. */
function rules(overrides: Partial<SubmitterRules> = {}): SubmitterRules {
  return {
    parts: (m) => Array.from({ length: Number(m.content.split('/')[1]) }, (_, i) => ({ message: m.id, part: i + 1 })),
    messageId: (id) => id,
    resubmitUnanswered: false,
    throttleGiveUpMs: 60_000,
    ...overrides,
  };
}

function submitter(session: FakeSession, r = rules(), pacer = new SendPacer(100_000)): SmppSubmitter {
  return new SmppSubmitter(session as unknown as SmppSession, pacer, r);
}

test('the parts of a message go in order, each after the answer of the one before; answers come in the batch order', async () => {
  const session = new FakeSession(10);
  const results = submitter(session).submitBatch([message(1, 2), message(2, 1)]);
  expect(session.sent.map((s) => s.fields)).toEqual([
    { message: 1, part: 1 },
    { message: 2, part: 1 },
  ]);
  session.answerNext(0, 'A1');
  expect(session.sent.map((s) => s.fields)).toContainEqual({ message: 1, part: 2 });
  session.answerNext(0, 'B1');
  session.answerNext(0, 'A2');
  expect(await results).toEqual([
    { id: 1, accepted: true, carrierMessageId: 'A1', partIds: ['A1', 'A2'] },
    { id: 2, accepted: true, carrierMessageId: 'B1', partIds: undefined },
  ]);
});

test('never more than the window outstanding; each answer lets the next submit go', async () => {
  const session = new FakeSession(3);
  const results = submitter(session).submitBatch(Array.from({ length: 10 }, (_, i) => message(i + 1)));
  expect(session.sent).toHaveLength(3);
  for (let i = 0; i < 10; i++) session.answerNext(0, `id${i}`);
  expect(session.maxOutstanding).toBe(3);
  expect((await results).every((r) => r.accepted)).toBe(true);
});

test('a part refused for good refuses its message with that code; a text that cannot be encoded, or has no part, is INVALID_TEXT', async () => {
  const session = new FakeSession(10);
  const s = submitter(session, rules({ parts: (m) => (m.id === 3 ? new RangeError('too long') : m.id === 4 ? [] : [{ message: m.id }]) }));
  const results = s.submitBatch([message(1), message(3), message(4)]);
  session.answerNext(0x0b);
  expect(await results).toEqual([
    { id: 1, accepted: false, code: 'SMPP:0x0000000B', description: 'ESME_RINVDSTADR', outcome: 'rejected' },
    { id: 3, accepted: false, code: 'INVALID_TEXT', description: 'too long', outcome: 'rejected' },
    { id: 4, accepted: false, code: 'INVALID_TEXT', description: 'the message has no text to send', outcome: 'rejected' },
  ]);
  expect(session.sent).toHaveLength(1);
});

test('no answer: never written goes back to be sent (NOT_SENT); written, or after an accepted part, ends unknown', async () => {
  const session = new FakeSession(10);
  const results = submitter(session).submitBatch([message(1), message(2), message(3, 2)]);
  session.loseNext(false);
  session.loseNext(true);
  session.answerNext(0, 'C1');
  session.loseNext(false);
  const [notWritten, written, afterAPart] = await results;
  expect(notWritten).toMatchObject({ id: 1, accepted: false, code: 'NOT_SENT', outcome: 'retry' });
  expect(written).toMatchObject({ id: 2, accepted: false, code: 'SUBMIT_UNKNOWN', outcome: 'unknown' });
  expect(afterAPart).toMatchObject({ id: 3, accepted: false, code: 'SUBMIT_UNKNOWN', outcome: 'unknown' });
});

test('an account that chose at-least-once gets the written but unanswered back to send again', async () => {
  const session = new FakeSession(10);
  const results = submitter(session, rules({ resubmitUnanswered: true })).submitBatch([message(1)]);
  session.loseNext(true);
  expect(await results).toEqual([{ id: 1, accepted: false, code: 'NOT_SENT', description: 'no answer: connection closed', outcome: 'retry' }]);
});

test('stop: what is still queued comes back unsent, the answers outstanding are still taken', async () => {
  const session = new FakeSession(1);
  const s = submitter(session);
  const results = s.submitBatch([message(1), message(2)]);
  s.stop();
  session.answerNext(0, 'A1');
  expect(await results).toEqual([
    { id: 1, accepted: true, carrierMessageId: 'A1', partIds: undefined },
    { id: 2, accepted: false, code: 'NOT_SENT', description: 'the connector is stopping', outcome: 'retry' },
  ]);
  expect(session.sent).toHaveLength(1);
});

test('a session down gives the queue back unsent with its reason', async () => {
  const session = new FakeSession(1);
  const results = submitter(session).submitBatch([message(1), message(2)]);
  session.up = false;
  session.lastError = 'bind refused';
  session.loseNext(true);
  expect((await results).map((r) => !r.accepted && [r.code, r.description])).toEqual([
    ['SUBMIT_UNKNOWN', 'no answer: connection closed'],
    ['NOT_SENT', 'bind refused'],
  ]);
});

test('throttled: the part is sent again once the pause is over, never a failure; the other message is not held back', async () => {
  const session = new FakeSession(10);
  const results = submitter(session, rules(), new SendPacer(100_000, 20, 40)).submitBatch([message(1), message(2)]);
  expect(session.sent).toHaveLength(2);
  session.answerNext(0x58);
  session.answerNext(0, 'B1');
  // Queued during the pause: nothing goes until it ends.
  expect(session.sent).toHaveLength(2);
  const deadline = Date.now() + 5000;
  while (session.sent.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(session.sent[2].fields).toEqual({ message: 1, part: 1 });
  session.answerNext(0, 'A1');
  expect(await results).toEqual([
    { id: 1, accepted: true, carrierMessageId: 'A1', partIds: undefined },
    { id: 2, accepted: true, carrierMessageId: 'B1', partIds: undefined },
  ]);
});
