/**
 * A destination's delivery state: `active` (deliveries go out), `paused` (held by
 * an operator), `open` (its circuit breaker holds deliveries after repeated
 * failures), `half_open` (the cool-down is over; one probe call decides). Kept by
 * the destination's DestinationLimiter Durable Object.
 */
export const destinationStates = ["active", "paused", "open", "half_open"] as const;
export type DestinationState = (typeof destinationStates)[number];

/** What the admin API, the console and the metrics show of a destination's state. */
export interface DestinationStatus {
  state: DestinationState;
  /** Deliveries held (parked) until the destination takes calls again. */
  held: number;
}
