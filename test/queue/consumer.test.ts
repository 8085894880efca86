import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { configureSources, eventsOf, flushInbox, postSigned, standardSecret } from "../helpers";

let eventIds: string[] = [];

beforeAll(async () => {
  await configureSources({ id: "forms", provider: "standard-webhooks", secrets: [standardSecret] });
  for (let i = 0; i < 3; i++) {
    const response = await postSigned("forms", { n: i });
    eventIds.push(((await response.json()) as { id: string }).id);
  }
  await flushInbox("forms");
});

function batchOf(bodies: unknown[], attempts = 1) {
  return createMessageBatch(
    "switchboard-routing",
    bodies.map((body, i) => ({ id: `msg-${i}-${attempts}`, timestamp: new Date(), attempts, body })),
  );
}

describe("routing queue consumer", () => {
  it("marks delivered events received and acks them", async () => {
    const batch = batchOf(eventIds.map((eventId) => ({ eventId, sourceId: "forms" })));
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["msg-0-1", "msg-1-1", "msg-2-1"]);
    expect(result.retryMessages).toEqual([]);
    expect((await eventsOf("forms")).map((e) => e.status)).toEqual(["received", "received", "received"]);
  });

  it("is idempotent: a redelivered message changes nothing", async () => {
    const before = await eventsOf("forms");
    const batch = batchOf([{ eventId: eventIds[0], sourceId: "forms" }], 2);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["msg-0-2"]);
    expect(await eventsOf("forms")).toEqual(before);
  });

  it("acks and drops a malformed message instead of retrying it forever", async () => {
    const batch = batchOf([{ nope: true }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["msg-0-1"]);
    expect(result.retryMessages).toEqual([]);
  });
});
