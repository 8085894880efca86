import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { historyOf, slaTimerOf } from "../../src/db/sla-timers";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { configure, eventsOf, post, routeQueued } from "../helpers";

let slack: FakeHandle;

beforeAll(async () => {
  slack = await privateFake("slack");
  await configure({
    sources: [{ id: "chat", provider: "none" }],
    pools: [{ id: "sdr", members: [{ ownerId: "201" }, { ownerId: "202" }] }],
    destinations: [{ id: "sdr-slack", type: "slack", url: slack.url }],
    routes: [
      {
        id: "chat",
        when: { always: true },
        actions: [{ assign: { pool: "sdr" } }, { sla: { within: "1s", until: "contacted", then: "escalate", notify: "sdr-slack" } }],
      },
    ],
  });
});

describe("the SLA clock's alarm", () => {
  it("rings by itself at the deadline and fires the clock, with no one calling it", async () => {
    expect((await post("/in/chat", JSON.stringify({ email: "nobody-calls@gamma.example" }), { "content-type": "application/json" })).status).toBe(202);
    await routeQueued("chat");
    const [event] = await eventsOf("chat");
    if (!event) throw new Error("no event");
    const db = createDb(env.DB);
    expect((await slaTimerOf(db, event.id))?.status).toBe("running");
    // The SlaClock Durable Object's alarm, not a test, fires the clock about a second later.
    await vi.waitFor(async () => expect((await slaTimerOf(db, event.id))?.status).toBe("escalated"), { timeout: 15_000, interval: 250 });
    const timer = await slaTimerOf(db, event.id);
    expect(historyOf(timer ?? ({} as never)).map((entry) => entry.kind)).toEqual(["started", "missed", "escalated", "notified"]);
    expect(timer?.ownerId).toBe(event.ownerId);
  });
});
