import type { Action, RouteConfig } from "../config/schema";

/**
 * One action of a matched route, in the order actions run: each matched route's
 * own actions, then those of the experiment arm the lead landed in.
 */
export interface RouteAction {
  route: RouteConfig;
  /** The arm the lead landed in, when the route splits. */
  arm?: string;
  /** Every action the route runs for this lead (its own, then its arm's): an `sla` reads the `assign` beside it. */
  actions: readonly Action[];
  action: Action;
}

/** `{ arm }` for a trace entry, or nothing when the route does not split. */
export function armNote(step: RouteAction): { arm?: string } {
  return step.arm === undefined ? {} : { arm: step.arm };
}
