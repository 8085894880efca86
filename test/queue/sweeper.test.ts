import {
  createExecutionContext,
  createScheduledController,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { insertEvents } from "../../src/db/events";
import worker from "../../src/index";
import { stuckAfterMs } from "../../src/queue/sweeper";
import { configureSources, eventsOf, postSigned, recordSends, standardSecret } from "../helpers";

beforeAll(async () => {
  await configureSources({ id: "forms", provider: "standard-webhooks", secrets: [standardSecret] });
});

function row(id: string, updatedAt: number) {
  return {
    id,
    sourceId: "forms",
    status: "queued" as const,
    headers: "{}",
    body: new Uint8Array([123, 125]),
    bodySize: 2,
    verification: "{}",
    receivedAt: updatedAt,
    storedAt: updatedAt,
    updatedAt,
  };
}

it("re-sends events stuck in queued and flushes inboxes whose alarm was lost", async () => {
  const now = Date.now();
  await insertEvents(createDb(env.DB), [
    row("evt_00000000000000000000000001", now - stuckAfterMs - 1000),
    row("evt_00000000000000000000000002", now - 1000),
  ]);
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
