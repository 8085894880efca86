import { createApp } from "./app";
import { refreshConfig } from "./config/store";
import { handleDeliveryBatch } from "./delivery/consumer";
import { handleDeadLetters } from "./delivery/dead-letters";
import { errorMessage, log } from "./lib/log";
import { checkAlertRules } from "./monitoring/alert-rules";
import { watchStorage } from "./monitoring/storage";
import { queueNames } from "./queue/messages";
import { handleRoutingBatch } from "./queue/routing-consumer";
import { sweep } from "./queue/sweeper";
import { runRetention } from "./retention/run";
import { hasHolds, wakeHoldClock } from "./routing/hold-start";
import { hasSlas, wakeSlaClock } from "./routing/sla-start";

export { AuthThrottle } from "./admin/auth-throttle";
export { OwnerPool } from "./assign/owner-pool";
export { CrmTokens } from "./connectors/crm-tokens";
export { DestinationLimiter } from "./delivery/destination-limiter";
export { DeliveryRetryJob } from "./delivery/retry-job";
export { HoldClock } from "./hold/clock";
export { SourceInbox } from "./inbox/source-inbox";
export { SlaClock } from "./sla/clock";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env, ctx) {
    switch (batch.queue) {
      case queueNames.routing:
        return handleRoutingBatch(batch, env, ctx);
      case queueNames.deliveries:
        return handleDeliveryBatch(batch, env, ctx);
      case queueNames.deadLetters:
        return handleDeadLetters(batch, env, ctx);
      default:
        // A queue bound in wrangler.toml that this code does not know: leave its
        // messages for the platform to retry rather than dropping them.
        throw new Error(`No consumer for queue '${batch.queue}'.`);
    }
  },
  async scheduled(controller, env, ctx) {
    // Independent jobs: one failing must not stop the others.
    const active = refreshConfig(env, 0);
    const results = await Promise.allSettled([
      sweep(env, ctx),
      runRetention(env, controller.scheduledTime),
      // The daily D1 size snapshot and the 80% alert.
      active.then((config) => watchStorage(env, config, controller.scheduledTime)),
      active.then(async (config) => {
        await checkAlertRules(env, config, controller.scheduledTime);
        // A lost wake-up call costs at most this minute.
        if (hasSlas(config.document)) await wakeSlaClock(env, controller.scheduledTime);
        if (hasHolds(config.document)) await wakeHoldClock(env, controller.scheduledTime);
      }),
    ]);
    for (const result of results) {
      if (result.status === "rejected") log("error", "scheduled job failed", { error: errorMessage(result.reason) });
    }
  },
} satisfies ExportedHandler<Env>;
