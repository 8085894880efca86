import type { DestinationConfig } from "../config/schema";
import type { ActiveConfig } from "../config/store";
import type { Hold } from "../connectors/types";
import { log } from "../lib/log";
import { sendAlert } from "./alert";
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
