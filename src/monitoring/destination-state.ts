import { destinationStatuses } from "../delivery/destination-control";
import type { DestinationState } from "../delivery/destination-state";

/**
 * Where `switchboard_destination_state` reads each destination's state (active,
 * paused, open, half_open: src/delivery/destination-state.ts); a missing one counts
 * as `active`.
 */
export type DestinationStateSource = (destinationIds: readonly string[]) => Promise<ReadonlyMap<string, DestinationState>>;

/** The real source: each destination's DestinationLimiter Durable Object. */
export function limiterStates(env: Env): DestinationStateSource {
  return async (destinationIds) => new Map([...(await destinationStatuses(env, destinationIds))].map(([id, status]) => [id, status.state]));
}
