import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { holdOf } from "../../src/db/holds";
import { deliveries } from "../../src/db/schema";
import { slaTimerOf } from "../../src/db/sla-timers";
import { type HoldEnv, releaseDueHolds } from "../../src/hold/release";
import { type DeliveryMessage, queueNames } from "../../src/queue/messages";
import type { DecisionTrace } from "../../src/routing/decision";
import { admin, json } from "../admin/helpers";
import { privateFake } from "../connectors/fixtures";
import { consoleFetch, page, signIn, text } from "../console/helpers";
import type { FakeHandle } from "../fakes/client";
import { configure, eventsOf, post, recordSends, routeQueued, runQueue } from "../helpers";

let hubspot: FakeHandle;
let slack: FakeHandle;
/** When 101 and 102 come back from their planned time away. */
let back101: number;
let back102: number;

beforeAll(async () => {
  hubspot = await privateFake("hubspot");
  slack = await privateFake("slack");
  const now = Date.now();
  back101 = now + 2 * 3_600_000;
  back102 = now + 3 * 3_600_000;
  await configure({
    sources: [
      { id: "forms", provider: "none" },
      { id: "chat", provider: "none" },
    ],
    owners: [
      { id: "101", away: [{ until: new Date(back101).toISOString(), reason: "offsite" }] },
      { id: "102", away: [{ until: new Date(back102).toISOString() }] },
    ],
    pools: [
      { id: "ae", whenNobodyAvailable: "hold", fallbackOwnerId: "900", members: [{ ownerId: "101" }, { ownerId: "102" }] },
      { id: "desk", whenNobodyAvailable: "hold", members: [{ ownerId: "201" }, { ownerId: "202" }] },
    ],
    destinations: [
      { id: "hubspot", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url },
      { id: "sales-slack", type: "slack", url: slack.url },
    ],
    routes: [
      {
        id: "inbound",
        sources: ["forms"],
        when: { always: true },
        actions: [
          // Before the assign: runs at once, without an owner.
          { notify: { destination: "sales-slack" } },
          { assign: { pool: "ae" } },
          { upsert: { destination: "hubspot" } },
          { sla: { within: "8s", until: "contacted", then: "reassign" } },
        ],
      },
      { id: "chat", sources: ["chat"], when: { always: true }, actions: [{ assign: { pool: "desk" } }, { upsert: { destination: "hubspot" } }] },
    ],
  });
});

async function send(sourceId: string, body: unknown): Promise<void> {
  expect((await post(`/in/${sourceId}`, JSON.stringify(body), { "content-type": "application/json" })).status).toBe(202);
}

function traceOf(event: { trace: string | null }): DecisionTrace {
  return JSON.parse(event.trace ?? "{}") as DecisionTrace;
}

describe("a pool that holds a lead while nobody is available", () => {
  it("holds the lead, then gives it to the first owner back and runs the actions after the assign", async () => {
    await send("forms", { email: "early@alpha.example", firstName: "Erin" });
    const routed = await routeQueued("forms");
    // Only the notification planned before the assign is sent now.
    expect(routed.messages.map((m) => m.destinationId)).toEqual(["sales-slack"]);
    await runQueue(queueNames.deliveries, routed.messages);
    expect(JSON.stringify(await slack.requests())).toContain("early@alpha.example");
    const [event] = await eventsOf("forms");
    if (!event) throw new Error("event not found");
    expect(event).toMatchObject({ status: "held", ownerId: null });
    const trace = traceOf(event);
    expect(trace.owner).toMatchObject({ pool: "ae", held: true });
    expect(trace.owner?.reason).toContain("101 away until");
    expect(trace.owner?.reason).toContain(`held until ${new Date(back101).toISOString()}`);
    expect(trace.hold).toMatchObject({ pool: "ae", until: new Date(back101).toISOString() });

    // The hold is a D1 row due when 101 is back, and the hold clock rings by then.
    const db = createDb(env.DB);
    expect(await holdOf(db, event.id)).toMatchObject({ status: "held", poolId: "ae", wakeAt: back101 });
    const alarm = await runInDurableObject(env.HOLD_CLOCK.getByName("holds"), (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm ?? Infinity).toBeLessThanOrEqual(back101);
    // The console's event page tells the story.
    const { session } = await signIn();
    expect(text(await page(await consoleFetch("GET", `/events/${event.id}`, { session })))).toContain("Held by pool ae: no member available (101 away until");
    // No SLA yet: it starts with the owner.
    expect(await slaTimerOf(db, event.id)).toBeUndefined();

    // A redelivered routing message changes nothing.
    const again = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    await runQueue(queueNames.routing, [{ eventId: event.id, sourceId: "forms" }]);
    again.restore();
    expect(again.bodies).toEqual([]);
    expect((await eventsOf("forms"))[0]?.status).toBe("held");

    const heldAt = (await holdOf(db, event.id))?.heldAt ?? Number.NaN;

    // Before 101 is back nothing is due; once back, 101 takes the lead.
    expect(await releaseDueHolds(env as HoldEnv, createDb(env.DB), back101 - 60_000)).toEqual({ released: 0, postponed: 0, failed: 0 });
    const sent = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    expect(await releaseDueHolds(env as HoldEnv, createDb(env.DB), back101 + 1_000)).toEqual({ released: 1, postponed: 0, failed: 0 });
    sent.restore();
    expect(sent.bodies).toEqual([{ deliveryId: `${event.id}:1`, eventId: event.id, destinationId: "hubspot" }]);
    await runQueue(queueNames.deliveries, sent.bodies);

    const after = (await eventsOf("forms"))[0];
    expect(after).toMatchObject({ ownerId: "101", status: "routed" });
    const released = traceOf(after ?? event);
    expect(released.owner).toMatchObject({ ownerId: "101", pool: "ae" });
    expect(released.hold).toMatchObject({ ownerId: "101", releasedAt: new Date(back101 + 1_000).toISOString() });
    // Held from when routing ran (a little after back101 was set) until the release at back101 + 1 s.
    const heldMinutes = Math.floor((back101 + 1_000 - heldAt) / 60_000);
    const waited = `${Math.floor(heldMinutes / 60)}h ${heldMinutes % 60}m`;
    expect(heldMinutes).toBeGreaterThanOrEqual(119);
    expect(released.explain.at(-1)).toMatch(new RegExp(`^released after ${waited} on hold: owner 101 — round robin: 101's turn`));
    const upserts = (await hubspot.requests()).map((r) => r.body).filter((b) => b.includes("early@alpha.example"));
    expect(upserts).toHaveLength(1);
    expect(upserts[0]).toContain('"hubspot_owner_id":"101"');
    // The SLA starts with the owner, and 900 stands in should HubSpot refuse 101.
    expect(await slaTimerOf(db, event.id)).toMatchObject({ ownerId: "101", startedAt: back101 + 1_000, dueAt: back101 + 9_000 });
    expect(await holdOf(db, event.id)).toMatchObject({ status: "released", ownerId: "101" });
    expect(text(await page(await consoleFetch("GET", `/events/${event.id}`, { session })))).toContain(
      `Held from the decision until ${new Date(back101 + 1_000).toISOString()}, then given to 101`,
    );

    // Released once: a later run finds nothing.
    expect(await releaseDueHolds(env as HoldEnv, createDb(env.DB), back101 + 120_000)).toEqual({ released: 0, postponed: 0, failed: 0 });
  });

  it("shares held leads by the round robin once owners are back, with no catch-up for the one away longer", async () => {
    await send("forms", { email: "late@beta.example" });
    await routeQueued("forms");
    const event = (await eventsOf("forms")).find((e) => e.lead?.includes("late@beta.example"));
    expect(event?.status).toBe("held");
    const sent = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    expect(await releaseDueHolds(env as HoldEnv, createDb(env.DB), back102 + 1_000)).toMatchObject({ released: 1 });
    sent.restore();
    const after = (await eventsOf("forms")).find((e) => e.id === event?.id);
    // Both are back by then. 102 earned no turns while away, so the two are level and
    // the tie goes to the first member.
    expect(after?.ownerId).toBe("101");
  });
});

describe("runtime time away and held leads", () => {
  it("tries the pool's held leads again as soon as an owner's time away ends", async () => {
    for (const id of ["201", "202"]) {
      await json(await admin("PUT", `/v1/owners/${id}/away`, { body: { until: "2099-01-01T00:00:00Z", reason: "sick" } }));
    }
    await send("chat", { email: "chat@gamma.example" });
    const routed = await routeQueued("chat");
    expect(routed.messages).toEqual([]);
    const [event] = await eventsOf("chat");
    if (!event) throw new Error("event not found");
    expect(event.status).toBe("held");
    const db = createDb(env.DB);
    expect((await holdOf(db, event.id))?.wakeAt).toBe(Date.parse("2099-01-01T00:00:00Z"));

    // 202 is back early: the held lead is due now, and the hold clock's alarm (set
    // for now, so it rings on its own) assigns it.
    await json(await admin("DELETE", "/v1/owners/202/away"));
    await vi.waitFor(async () => expect((await holdOf(db, event.id))?.status).toBe("released"), { timeout: 10_000 });
    expect((await eventsOf("chat"))[0]).toMatchObject({ status: "delivering", ownerId: "202" });
    const rows = await db.select().from(deliveries).where(eq(deliveries.eventId, event.id));
    expect(rows.map((r) => [r.destinationId, JSON.parse(r.payload).ownerId])).toEqual([["hubspot", "202"]]);
  });

  it("postpones a held lead woken by an away change when nobody is back yet", async () => {
    await json(await admin("PUT", "/v1/owners/202/away", { body: { until: "2098-06-01T00:00:00Z" } }));
    await send("chat", { email: "second@delta.example" });
    await routeQueued("chat");
    const event = (await eventsOf("chat")).find((e) => e.lead?.includes("second@delta.example"));
    if (!event) throw new Error("event not found");
    expect(event.status).toBe("held");
    const db = createDb(env.DB);
    expect((await holdOf(db, event.id))?.wakeAt).toBe(Date.parse("2098-06-01T00:00:00Z"));

    // 201's time away is shortened: the lead is tried at once, nobody can take it
    // yet, and it waits for 201's new return.
    await json(await admin("PUT", "/v1/owners/201/away", { body: { until: "2098-01-01T00:00:00Z" } }));
    await vi.waitFor(async () => expect((await holdOf(db, event.id))?.wakeAt).toBe(Date.parse("2098-01-01T00:00:00Z")), { timeout: 10_000 });
    expect((await holdOf(db, event.id))?.status).toBe("held");
    expect((await eventsOf("chat")).find((e) => e.id === event.id)?.status).toBe("held");
  });

  it("tries held leads again soon after their pool's configuration changes", async () => {
    const event = (await eventsOf("chat")).find((e) => e.status === "held");
    if (!event) throw new Error("no held event");
    const db = createDb(env.DB);
    const before = Date.now();
    // A new member joins: the held lead is due once every isolate has the new version.
    const pool = { id: "desk", whenNobodyAvailable: "hold", members: [{ ownerId: "201" }, { ownerId: "202" }, { ownerId: "203" }] };
    expect((await admin("PUT", "/v1/pools/desk", { body: pool })).status).toBe(200);
    const wakeAt = (await holdOf(db, event.id))?.wakeAt ?? 0;
    expect(wakeAt).toBeGreaterThan(before);
    expect(wakeAt).toBeLessThanOrEqual(Date.now() + 6_000);
    const sent = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    expect(await releaseDueHolds(env as HoldEnv, createDb(env.DB), wakeAt)).toMatchObject({ released: 1 });
    sent.restore();
    expect((await eventsOf("chat")).find((e) => e.id === event.id)?.ownerId).toBe("203");
  });
});
