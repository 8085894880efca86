import type { DestinationStatus } from "./destination-state";

/**
 * Pause, resume and the state of a destination, for the admin API, the console and
 * the metrics: all of it is the destination's DestinationLimiter Durable Object's
 * runtime state (never a configuration version), so every isolate sees the same.
 */

const limiterOf = (env: Env, destinationId: string) => env.DESTINATION_LIMITER.getByName(destinationId);

/** Holds the destination's deliveries (parked, no attempt counted) until it is resumed. */
export function pauseDestination(env: Env, destinationId: string): Promise<DestinationStatus> {
  return limiterOf(env, destinationId).operatorPause();
}

/** Lifts a pause: held deliveries drain oldest first at the destination's pace (unless its breaker still holds). */
export function resumeDestination(env: Env, destinationId: string): Promise<DestinationStatus> {
  return limiterOf(env, destinationId).operatorResume();
}

/** Each destination's state and held count; one Durable Object call each. */
export async function destinationStatuses(env: Env, destinationIds: readonly string[]): Promise<Map<string, DestinationStatus>> {
  const statuses = await Promise.all(destinationIds.map(async (id) => [id, await limiterOf(env, id).status()] as const));
  return new Map(statuses);
}
