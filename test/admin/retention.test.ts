import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { eventsOf, flushInbox, post } from "../helpers";
import { admin, json } from "./helpers";

const dayMs = 86_400_000;

describe("retention job", () => {
  it("follows settings.retentionDays and runs from the scheduled handler", async () => {
    await json(await admin("PUT", "/v1/config", { body: { sources: [{ id: "keep", provider: "none" }], settings: { retentionDays: 2 } } }));
    const response = await post("/in/keep", JSON.stringify({ email: "a@example.com" }), { "content-type": "application/json" });
    expect(response.status).toBe(202);
    await flushInbox("keep");

    const run = async (at: number) => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), env, ctx);
      await waitOnExecutionContext(ctx);
      return (await eventsOf("keep"))[0];
    };
    expect((await run(Date.now() + 1 * dayMs))?.body).not.toBeNull();
    const after = await run(Date.now() + 3 * dayMs);
    expect(after?.body).toBeNull();
    expect(after).toMatchObject({ sourceId: "keep", bodySize: expect.any(Number) });
  });
});
