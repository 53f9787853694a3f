/**
 * One account's SMPP session: the TCP (or TLS) links, the bind, enquire_link, reconnection with back-off, the window
 * of outstanding submit_sm and the graceful unbind. It knows nothing of messages or of the database: the carrier
 * (`smpp.carrier.ts`) gives it submit_sm fields and receives deliver_sm PDUs with the function that answers them.
 */
import * as smpp from 'smpp';
import type { PDU, Session } from 'smpp';
import type { CarrierState } from '../queries/carrier-accounts.queries';

export interface SmppLinkOptions {
  host: string;
  port: number;
  tls: boolean;
  systemId: string;
  password: string;
  systemType: string;
  /** One bind_transceiver, or a transmitter and a receiver on two connections. */
  bindMode: 'transceiver' | 'transmitter_receiver';
  window: number;
  enquireLinkSeconds: number;
  /** First reconnect delay; doubled each failure up to maxBackoffMs, with ±50 % jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * A submit_sm unanswered this long means the link is dead even if TCP has not noticed: the session drops it, so
   * every outstanding submit is settled (unknown) instead of holding its window slot and its batch forever.
   */
  responseTimeoutMs?: number;
  /** Certificates to trust besides the system's, for TLS (the tests' own SMSC). */
  tlsCa?: Buffer;
}

/** Why a submit got no answer: the line went (nothing is known of its fate) or the session is not bound. */
export class SubmitUnanswered extends Error {
  constructor(
    message: string,
    /** True when the PDU reached the socket: the SMSC may have taken it. False: it was never written. */
    readonly written: boolean,
  ) {
    super(message);
  }
}

export interface StateChange {
  state: CarrierState;
  lastError: string | null;
}

type DeliverHandler = (pdu: PDU, answer: (status: number) => void) => void;

/** How a submit ends: with its submit_sm_resp, or unanswered (the line went, the session stopped). */
export type SubmitAnswer<T> = (token: T, resp: PDU | null, unanswered: SubmitUnanswered | null) => void;

interface Outstanding {
  token: unknown;
  answer: SubmitAnswer<unknown>;
  sentAt: number;
}

/**
 * Submits written in one turn of the event loop go to the socket together (corked), but at most this many at a time:
 * one system call for all of them saves CPU, while the SMSC, left idle until the last is written, loses the overlap
 * of its work with ours. Eight kept the time of one write each in the SMPP bench, with an eighth of the calls.
 */
const CORKED_WRITES_MAX = 8;

const BIND_COMMAND = { transceiver: 'bind_transceiver', transmitter: 'bind_transmitter', receiver: 'bind_receiver' } as const;
type Role = keyof typeof BIND_COMMAND;

export class SmppSession {
  private links = new Map<Role, Session>();
  private bound = new Set<Role>();
  /**
   * Outstanding submit_sm by sequence number, oldest first (a Map keeps insertion order). One shared response
   * callback looks the submit up here, so a submit costs no closure of its own.
   */
  private outstanding = new Map<number, Outstanding>();
  /** The link whose writes are corked until the current turn of the event loop ends, and how many (see `submitNow`). */
  private corked: Session | null = null;
  private corkedWrites = 0;
  private stopped = false;
  private failures = 0;
  private enquireTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private enquireUnanswered = new Set<Session>();
  private reconnectTimer: NodeJS.Timeout | null = null;
  state: CarrierState = 'down';
  lastError: string | null = null;

  constructor(
    private readonly options: SmppLinkOptions,
    private readonly onState: (change: StateChange) => void,
    private readonly onDeliver: DeliverHandler,
  ) {}

  private roles(): Role[] {
    return this.options.bindMode === 'transceiver' ? ['transceiver'] : ['transmitter', 'receiver'];
  }

  private setState(state: CarrierState, lastError: string | null): void {
    if (state === this.state && lastError === this.lastError) return;
    this.state = state;
    this.lastError = lastError;
    this.onState({ state, lastError });
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Bound and able to submit. */
  get up(): boolean {
    return this.state === 'connected';
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState('binding', this.lastError);
    for (const role of this.roles()) this.openLink(role);
  }

  private openLink(role: Role): void {
    const o = this.options;
    const tlsOptions = o.tls ? { rejectUnauthorized: true, ...(o.tlsCa ? { ca: o.tlsCa } : {}) } : {};
    const link = smpp.connect({ host: o.host, port: o.port, tls: o.tls, ...tlsOptions });
    this.links.set(role, link);
    link.on('error', (err: Error) => this.lost(link, err.message));
    link.on('close', () => this.lost(link, this.lastError ?? 'connection closed'));
    link.on(o.tls ? 'secureConnect' : 'connect', () => {
      const command = BIND_COMMAND[role];
      link[command]({ system_id: o.systemId, password: o.password, system_type: o.systemType }, (resp: PDU) => {
        if (resp.command_status !== 0) {
          const name = Object.keys(smpp.errors).find((k) => smpp.errors[k] === resp.command_status) ?? 'error';
          this.lost(link, `bind refused: ${name} (0x${resp.command_status.toString(16)})`);
          return;
        }
        this.bound.add(role);
        if (this.bound.size === this.roles().length) {
          this.failures = 0;
          this.setState('connected', null);
          this.startEnquireLink();
        }
      });
    });
    link.on('deliver_sm', (pdu: PDU) => this.onDeliver(pdu, (status) => link.send(pdu.response({ command_status: status }))));
    link.on('enquire_link', (pdu: PDU) => link.send(pdu.response()));
    link.on('unbind', (pdu: PDU) => {
      link.send(pdu.response());
      this.lost(link, 'the SMSC unbound');
    });
  }

  /** enquire_link on every link; one still unanswered at the next beat means the link is dead. */
  private startEnquireLink(): void {
    this.stopTimers();
    this.enquireUnanswered.clear();
    this.enquireTimer = setInterval(() => {
      for (const link of Array.from(this.links.values())) {
        if (this.enquireUnanswered.has(link)) {
          this.lost(link, 'no answer to enquire_link');
          return;
        }
        this.enquireUnanswered.add(link);
        link.enquire_link(() => this.enquireUnanswered.delete(link));
      }
    }, this.options.enquireLinkSeconds * 1000);
    this.enquireTimer.unref();
    // Outstanding submits are in sending order, so only the oldest needs a look.
    const timeoutMs = this.options.responseTimeoutMs ?? 30_000;
    this.sweepTimer = setInterval(() => {
      const oldest = this.outstanding.values().next().value;
      const link = this.links.values().next().value;
      if (oldest && link && Date.now() - oldest.sentAt > timeoutMs) this.lost(link, `no submit_sm_resp within ${timeoutMs} ms`);
    }, Math.min(1000, timeoutMs));
    this.sweepTimer.unref();
  }

  private stopTimers(): void {
    if (this.enquireTimer) clearInterval(this.enquireTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.enquireTimer = null;
    this.sweepTimer = null;
  }

  /** A link broke: every link goes (a half-bound session is no use), outstanding submits are unanswered, retry later. */
  private lost(link: Session, reason: string): void {
    if (!Array.from(this.links.values()).includes(link)) return;
    for (const l of this.links.values()) {
      l.removeAllListeners();
      l.on('error', () => undefined);
      l.destroy();
    }
    this.links.clear();
    this.bound.clear();
    this.stopTimers();
    // Down first, so what the answers below set going again meets a session that says why it is down.
    this.setState('down', reason);
    this.settleOutstanding(`no answer: ${reason}`);
    if (this.stopped) return;
    this.failures += 1;
    const base = Math.min(this.options.maxBackoffMs ?? 60_000, (this.options.minBackoffMs ?? 500) * 2 ** (this.failures - 1));
    const delay = base * (0.5 + Math.random());
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Outstanding submit_sm now (for the window and for a graceful stop). */
  get inFlight(): number {
    return this.outstanding.size;
  }

  /** Whether a submit may go out now: bound, not stopping, and the window has room. */
  get canSubmit(): boolean {
    return this.up && !this.stopped && this.outstanding.size < this.options.window;
  }

  /**
   * Writes one submit_sm now (the caller checked `canSubmit`); `answer(token, resp, null)` gets its response, or
   * `answer(token, null, unanswered)` says why none will come (written false: it never reached the socket). The answer
   * may come synchronously when the link cannot take the PDU. Writes made in one turn of the event loop are corked
   * and go to the socket together, CORKED_WRITES_MAX at a time or when the microtasks queued now have run.
   */
  submitNow<T>(fields: Record<string, unknown>, token: T, answer: SubmitAnswer<T>): void {
    const link = this.links.get(this.options.bindMode === 'transceiver' ? 'transceiver' : 'transmitter');
    if (!this.up || !link || this.stopped) {
      answer(token, null, new SubmitUnanswered(this.lastError ?? 'not bound', false));
      return;
    }
    if (this.corked !== link) {
      this.uncork();
      link.socket.cork();
      this.corked = link;
      queueMicrotask(this.uncorkLater);
    }
    const pdu = new smpp.PDU('submit_sm', fields);
    if (!link.send(pdu, this.onSubmitResp)) {
      answer(token, null, new SubmitUnanswered('the connection is closed', false));
      return;
    }
    this.outstanding.set(pdu.sequence_number, { token, answer: answer as SubmitAnswer<unknown>, sentAt: Date.now() });
    if (++this.corkedWrites >= CORKED_WRITES_MAX) this.uncork();
  }

  private readonly uncorkLater = () => this.uncork();

  private uncork(): void {
    const link = this.corked;
    this.corked = null;
    this.corkedWrites = 0;
    if (link && !link.socket.destroyed) link.socket.uncork();
  }

  /** The one response callback of every submit_sm (a submit settled meanwhile by a lost line is not found). */
  private readonly onSubmitResp = (resp: PDU) => {
    const entry = this.outstanding.get(resp.sequence_number);
    if (!entry) return;
    this.outstanding.delete(resp.sequence_number);
    entry.answer(entry.token, resp, null);
  };

  /** Every outstanding submit is answered as unanswered (written: the SMSC may have it). */
  private settleOutstanding(reason: string): void {
    const settled = Array.from(this.outstanding.values());
    this.outstanding.clear();
    for (const o of settled) o.answer(o.token, null, new SubmitUnanswered(reason, true));
  }

  /**
   * Graceful stop: no new submit starts, outstanding answers are awaited up to `waitMs`, then each link unbinds (or is
   * closed when the SMSC does not answer the unbind either).
   */
  async stop(waitMs = 5000): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const deadline = Date.now() + waitMs;
    while (this.outstanding.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const links = Array.from(this.links.values());
    await Promise.all(
      links.map(
        (link) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => (link.destroy(), resolve()), Math.max(200, deadline - Date.now()));
            const sent = link.unbind(() => {
              clearTimeout(timer);
              link.close();
              resolve();
            });
            if (!sent) (clearTimeout(timer), resolve());
          }),
      ),
    );
    for (const link of links) {
      link.removeAllListeners();
      link.on('error', () => undefined);
      link.destroy();
    }
    this.settleOutstanding('stopped before the answer');
    this.links.clear();
    this.bound.clear();
    this.stopTimers();
    this.setState('down', 'stopped');
  }
}
