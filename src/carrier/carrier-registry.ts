/**
 * How a carrier account becomes a Carrier: one factory per kind. The carrier pool (`carrier-pool.service.ts`) calls
 * it for every enabled account and again when one is edited; a new kind (the cloud SMS kinds) plugs in here with one
 * `registerCarrierKind` call and nothing else changes.
 */
import type { Knex } from 'knex';
import type { Logger } from '../log';
import type { CarrierAccount } from '../queries/carrier-accounts.queries';
import { openSecrets } from '../secrets/secret-box';
import type { Carrier } from './carrier';
import { SmppCarrier, type SmppCarrierOptions } from './smpp.carrier';

export interface CarrierContext {
  db: Knex;
  secretKey: Buffer;
  logger: Logger;
  /** The one built-in simulator: every stub account sends through it (it keeps one ledger for them all). */
  stub: Carrier;
  /** Timing overrides for the SMPP links (tests). */
  smpp?: SmppCarrierOptions;
}

/** Builds (and starts, when it has a link to open) the carrier of one account. May throw: the pool reports it. */
export type CarrierFactory = (account: CarrierAccount, context: CarrierContext) => Carrier;

const factories = new Map<string, CarrierFactory>([
  ['stub', (_account, context) => context.stub],
  [
    'smpp',
    (account, context) => {
      const { password } = openSecrets(context.secretKey, account.secretsBox);
      if (!password) throw new Error('no password stored: enter it again on /carriers');
      return new SmppCarrier(context.db, account, password, context.logger, context.smpp).start();
    },
  ],
]);

/**
 * Kinds whose carrier hands out its own receipts (the cloud APIs, asked by pull): the dispatcher's receipt pull asks
 * each such carrier. The stub and SMPP receipts come from the stub's ledger and the SMPP inbox instead.
 */
const ownReceiptKinds = new Set<string>();

export function registerCarrierKind(kind: string, factory: CarrierFactory, options: { ownReceipts?: boolean } = {}): void {
  factories.set(kind, factory);
  if (options.ownReceipts) ownReceiptKinds.add(kind);
}

export function pullsOwnReceipts(kind: string): boolean {
  return ownReceiptKinds.has(kind);
}

export function carrierFactory(kind: string): CarrierFactory | undefined {
  return factories.get(kind);
}
