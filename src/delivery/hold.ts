import type { DestinationConfig } from "../config/schema";
import type { ActiveConfig } from "../config/store";
import type { Hold } from "../connectors/types";
import { log } from "../lib/log";
import { sendAlert } from "./alert";
import type { BreakerSettings } from "./breaker";
import type { DestinationLimiter } from "./destination-limiter";

/**
 * Holds every call to the destination until the limit ends. A daily limit is told
 * to the alert destination once per hold (the limiter knows whether it is new).
 */
export async function holdDestination(
  env: Env,
  config: ActiveConfig,
  limiter: DurableObjectStub<DestinationLimiter>,
  destination: DestinationConfig,
  hold: Hold,
): Promise<void> {
  const fresh = await limiter.hold(hold.untilMs);
  log("warn", "destination rate-limited; held", { destinationId: destination.id, policy: hold.policy, until: new Date(hold.untilMs).toISOString() });
  if (fresh && hold.daily) {
    await sendAlert(env, config, {
      title: `${destination.id} reached its daily API limit`,
      detail: `The destination answered 429 ${hold.policy}. Deliveries to it are held until ${new Date(hold.untilMs).toISOString()} and then sent; nothing is lost.`,
    });
  }
}

/** Tells the alert destination, once per opening, that a destination's breaker holds its deliveries. */
export async function alertBreakerOpened(env: Env, config: ActiveConfig, destination: DestinationConfig, breaker: BreakerSettings): Promise<void> {
  log("warn", "destination circuit breaker opened; deliveries held", { destinationId: destination.id, failures: breaker.failures });
  await sendAlert(env, config, {
    title: `${destination.id} is failing: its circuit breaker opened`,
    detail: `${breaker.failures} calls in a row failed (5xx, network error or timeout). Deliveries to it are held, without spending their attempts; one probe call goes out every ${breaker.coolDownSeconds} s until one succeeds, then they are sent in order.`,
  });
}
