import { createApp } from "./app";
import { handleRoutingBatch } from "./queue/consumer";
import { sweep } from "./queue/sweeper";

export { SourceInbox } from "./inbox/source-inbox";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await handleRoutingBatch(batch, env);
  },
  async scheduled(_controller, env, ctx) {
    await sweep(env, ctx);
  },
} satisfies ExportedHandler<Env>;
