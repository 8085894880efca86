/**
 * A destination's delivery state, as `switchboard_destination_state` reports it:
 * `active` (deliveries go out), `paused` (held by an operator), `open` (its circuit
 * breaker holds deliveries after repeated failures), `half_open` (one probe call is
 * out). Pause and circuit breakers are not built yet, so every destination is
 * `active` today: a later state source (a pause table, a breaker Durable Object)
 * implements `DestinationStateSource` and is passed to `gatewayMetrics` instead.
 */
export const destinationStates = ["active", "paused", "open", "half_open"] as const;
export type DestinationState = (typeof destinationStates)[number];

/** Answers the current state of each destination asked for; a missing one counts as `active`. */
export type DestinationStateSource = (destinationIds: readonly string[]) => Promise<ReadonlyMap<string, DestinationState>>;

/** Today's source: nothing holds a destination. */
export const everyDestinationActive: DestinationStateSource = async () => new Map();
