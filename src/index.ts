import { createApp } from "./app";
import { handleDeadLetters } from "./delivery/dead-letters";
import { handleDeliveryBatch } from "./delivery/consumer";
import { queueNames } from "./queue/messages";
import { handleRoutingBatch } from "./queue/routing-consumer";
import { sweep } from "./queue/sweeper";
import { runRetention } from "./retention/run";

export { OwnerPool } from "./assign/owner-pool";
export { DestinationLimiter } from "./delivery/destination-limiter";
export { SourceInbox } from "./inbox/source-inbox";

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
    await sweep(env, ctx);
    await runRetention(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
