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

interface Outstanding {
  reject: (err: Error) => void;
}

const BIND_COMMAND = { transceiver: 'bind_transceiver', transmitter: 'bind_transmitter', receiver: 'bind_receiver' } as const;
type Role = keyof typeof BIND_COMMAND;

export class SmppSession {
  private links = new Map<Role, Session>();
  private bound = new Set<Role>();
  private outstanding = new Set<Outstanding>();
  private waiters: Array<() => void> = [];
  private stopped = false;
  private failures = 0;
  private enquireTimer: NodeJS.Timeout | null = null;
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
    const link = smpp.connect({ host: o.host, port: o.port, tls: o.tls, ...(o.tls ? { rejectUnauthorized: true } : {}) });
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
          this.wakeWaiters();
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

  private startEnquireLink(): void {
    if (this.enquireTimer) clearInterval(this.enquireTimer);
    this.enquireTimer = setInterval(() => {
      for (const link of this.links.values()) link.enquire_link(() => undefined);
    }, this.options.enquireLinkSeconds * 1000);
    this.enquireTimer.unref();
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
    if (this.enquireTimer) clearInterval(this.enquireTimer);
    this.enquireTimer = null;
    for (const o of Array.from(this.outstanding)) o.reject(new SubmitUnanswered(`no answer: ${reason}`, true));
    this.outstanding.clear();
    this.wakeWaiters();
    this.setState('down', reason);
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

  private wakeWaiters(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  /** Outstanding submit_sm now (for the window and for a graceful stop). */
  get inFlight(): number {
    return this.outstanding.size;
  }

  /**
   * Sends one submit_sm once the window has room; resolves with its response. Rejects with SubmitUnanswered when the
   * session is down (written: false, never sent) or the line goes before the answer (written: true).
   */
  async submit(fields: Record<string, unknown>): Promise<PDU> {
    while (this.up && this.outstanding.size >= this.options.window) await new Promise<void>((resolve) => this.waiters.push(resolve));
    const link = this.links.get(this.options.bindMode === 'transceiver' ? 'transceiver' : 'transmitter');
    if (!this.up || !link || this.stopped) throw new SubmitUnanswered(this.lastError ?? 'not bound', false);
    return new Promise<PDU>((resolve, reject) => {
      const entry: Outstanding = { reject };
      this.outstanding.add(entry);
      const done = () => {
        this.outstanding.delete(entry);
        const next = this.waiters.shift();
        if (next) next();
      };
      entry.reject = (err) => (done(), reject(err));
      const sent = link.submit_sm(fields, (resp: PDU) => {
        if (!this.outstanding.has(entry)) return;
        done();
        resolve(resp);
      });
      if (!sent) {
        done();
        reject(new SubmitUnanswered('the connection is closed', false));
      }
    });
  }

  /**
   * Graceful stop: no new submit starts, outstanding answers are awaited up to `waitMs`, then each link unbinds (or is
   * closed when the SMSC does not answer the unbind either).
   */
  async stop(waitMs = 5000): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.wakeWaiters();
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
    for (const o of Array.from(this.outstanding)) o.reject(new SubmitUnanswered('stopped before the answer', true));
    this.links.clear();
    this.bound.clear();
    if (this.enquireTimer) clearInterval(this.enquireTimer);
    this.setState('down', 'stopped');
  }
}
