/**
 * Whether a real carrier will carry this installation's messages. While it returns false the console's header
 * says, on every page, that the built-in carrier is a simulator and no real SMS leaves (README, "First steps").
 *
 * This is the one place that decides it. It returns false for now: the carrier accounts of /carriers (issue 10)
 * are to answer it (true once an enabled account is routed for any SMS type); until they do, the notice stays on.
 */
export function realCarrierConfigured(): boolean {
  return false;
}
