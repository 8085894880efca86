import { type ConfigEnv, readCurrentConfig } from "../config/store";
import { GatewayError } from "../errors";
import type { DestinationStatus } from "./destination-state";

/**
 * Pause, resume and the state of a destination, for the admin API, the console and
 * the metrics: all of it is the destination's DestinationLimiter Durable Object's
 * runtime state (never a configuration version), so every isolate sees the same.
 */

const limiterOf = (env: Env, destinationId: string) => env.DESTINATION_LIMITER.getByName(destinationId);

/**
 * `pause` holds the destination's deliveries (parked, no attempt counted) until it
 * is resumed; `resume` lifts it: held deliveries drain oldest first at the
 * destination's pace (unless its breaker still holds them). Throws
 * `destination_not_found` for an id the configuration does not have.
 */
export async function controlDestination(env: Env & ConfigEnv, destinationId: string, action: "pause" | "resume"): Promise<DestinationStatus> {
  const current = await readCurrentConfig(env);
  if (!current?.document.destinations.some((d) => d.id === destinationId)) {
    throw new GatewayError("destination_not_found", `There is no destination with the id '${destinationId}'.`);
  }
  const limiter = limiterOf(env, destinationId);
  return action === "pause" ? limiter.operatorPause() : limiter.operatorResume();
}

/** Each destination's state and held count; one Durable Object call each. */
export async function destinationStatuses(env: Env, destinationIds: readonly string[]): Promise<Map<string, DestinationStatus>> {
  const statuses = await Promise.all(destinationIds.map(async (id) => [id, await limiterOf(env, id).status()] as const));
  return new Map(statuses);
}
