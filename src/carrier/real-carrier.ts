import type { Knex } from 'knex';
import { realAccountRouted } from '../queries/carrier-routes.queries';

/**
 * Whether a real carrier will carry this installation's messages. While it returns false the console's header
 * says, on every page, that the built-in carrier is a simulator and no real SMS leaves (README, "First steps").
 *
 * This is the one place that decides it: true once an enabled account other than the simulator is routed for any
 * SMS type (as its account or its fallback).
 */
export function realCarrierConfigured(db: Knex): Promise<boolean> {
  return realAccountRouted(db);
}
