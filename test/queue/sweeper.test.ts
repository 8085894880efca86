import { createExecutionContext, createScheduledController, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { bodyStoreOf } from "../../src/db/event-bodies";
import { insertEvents } from "../../src/db/events";
import { deliveries } from "../../src/db/schema";
import worker from "../../src/index";
import { stuckAfterMs } from "../../src/queue/sweeper";
import { configureSources, eventsOf, postSigned, recordSends, standardSecret } from "../helpers";

beforeAll(async () => {
  await configureSources({ id: "forms", provider: "standard-webhooks", secrets: [standardSecret] });
});

function row(id: string) {
  return {
    id,
    sourceId: "forms",
    dedupKey: null,
    requestId: "req_test",
    contentType: "application/json",
    headers: "{}",
    body: new Uint8Array([123, 125]),
    verification: "{}",
    receivedAt: Date.now(),
  };
}

it("re-sends events stuck in queued and flushes inboxes whose alarm was lost", async () => {
  const now = Date.now();
  await insertEvents(env.DB, bodyStoreOf(env), [row("evt_00000000000000000000000001")], now - stuckAfterMs - 1000);
  await insertEvents(env.DB, bodyStoreOf(env), [row("evt_00000000000000000000000002")], now - 1000);
  // An accepted event whose alarm we delete, as if it had been lost.
  const accepted = await postSigned("forms", { email: "lost@example.com" });
  const { id: lostId } = (await accepted.json()) as { id: string };
  const inbox = env.SOURCE_INBOX.getByName("forms");
  await runInDurableObject(inbox, (_instance, state) => state.storage.deleteAlarm());

  const { sent, restore } = recordSends(env.ROUTING_QUEUE);
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
  restore();

  expect(sent).toEqual(["evt_00000000000000000000000001"]);
  const stuck = (await eventsOf("forms")).find((e) => e.id === "evt_00000000000000000000000001");
  expect(stuck?.updatedAt).toBeGreaterThanOrEqual(now);

  // The nudge re-armed the lost alarm (it may already have fired on its own): the
  // accepted event reaches D1. Without the nudge there is no alarm to run.
  await runDurableObjectAlarm(inbox);
  await vi.waitFor(async () => expect(await inbox.pending()).toBe(0));
  expect((await eventsOf("forms")).map((e) => e.id)).toContain(lostId);
});

it("re-sends deliveries whose message was lost, but not those waiting out a backoff", async () => {
  const now = Date.now();
  const db = createDb(env.DB);
  const base = {
    eventId: "evt_00000000000000000000000001",
    destinationId: "hubspot",
    action: "upsert" as const,
    status: "pending" as const,
    attempts: 1,
    payload: "{}",
    createdAt: now - stuckAfterMs * 3,
    updatedAt: now - stuckAfterMs * 3,
  };
  await db.batch([
    db.insert(deliveries).values({ ...base, id: "evt_00000000000000000000000001:0", nextAttemptAt: now - stuckAfterMs * 2 }),
    // Its next attempt is an hour away: the queue holds its message, not lost.
    db.insert(deliveries).values({ ...base, id: "evt_00000000000000000000000001:1", nextAttemptAt: now + 3_600_000 }),
  ]);
  const { bodies, restore } = recordSends<{ eventId: string; deliveryId: string }>(env.DELIVERY_QUEUE);
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
  restore();
  expect(bodies.map((b) => b.deliveryId)).toEqual(["evt_00000000000000000000000001:0"]);
});
