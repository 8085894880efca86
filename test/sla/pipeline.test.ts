import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { deliveriesOf, historyOf, slaTimerOf } from "../../src/db/sla-timers";
import { type DeliveryMessage, queueNames } from "../../src/queue/messages";
import { fireDueSlas, type SlaEnv } from "../../src/sla/fire";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { configure, eventsOf, post, recordSends, routeQueued, runQueue } from "../helpers";

let hubspot: FakeHandle;
let slack: FakeHandle;

beforeAll(async () => {
  hubspot = await privateFake("hubspot");
  slack = await privateFake("slack");
  await configure({
    sources: [
      { id: "forms", provider: "none" },
      { id: "crm", provider: "none", kind: "outcomes", outcomes: { format: "generic" } },
    ],
    pools: [{ id: "ae", members: [{ ownerId: "101" }, { ownerId: "102" }] }],
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
          { assign: { pool: "ae" } },
          { upsert: { destination: "hubspot" } },
          { sla: { within: "8s", until: "contacted", then: "reassign", notify: "sales-slack" } },
        ],
      },
    ],
  });
});

async function send(sourceId: string, body: unknown): Promise<void> {
  expect((await post(`/in/${sourceId}`, JSON.stringify(body), { "content-type": "application/json" })).status).toBe(202);
}

async function deliver(messages: DeliveryMessage[]) {
  if (messages.length > 0) await runQueue(queueNames.deliveries, messages);
}

describe("an SLA that reassigns", () => {
  it("moves an untouched lead to the pool's other owner after the deadline, in the CRM too, and keeps a contacted lead's owner", async () => {
    await send("forms", { email: "untouched@alpha.example", firstName: "Una" });
    await send("forms", { email: "called@beta.example", firstName: "Cal" });
    const routed = await routeQueued("forms");
    await deliver(routed.messages);
    const events = await eventsOf("forms");
    const untouched = events.find((e) => e.lead?.includes("untouched@alpha.example"));
    const called = events.find((e) => e.lead?.includes("called@beta.example"));
    if (!untouched || !called) throw new Error("events not found");
    expect(new Set([untouched.ownerId, called.ownerId])).toEqual(new Set(["101", "102"]));

    // The clocks are stored with the decisions, and the SLA clock's alarm rings by the first deadline.
    const db = createDb(env.DB);
    const clock = await slaTimerOf(db, untouched.id);
    expect(clock).toMatchObject({ status: "running", ownerId: untouched.ownerId, untilOutcome: "contacted" });
    expect((clock?.dueAt ?? 0) - (clock?.startedAt ?? 0)).toBe(8_000);
    const alarm = await runInDurableObject(env.SLA_CLOCK.getByName("sla"), (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm ?? Infinity).toBeLessThanOrEqual(clock?.dueAt ?? 0);

    // The CRM reports that the second lead was contacted, in time.
    await send("crm", { email: "called@beta.example", outcome: "contacted" });
    await routeQueued("crm");

    // Past the deadline: the clocks fire.
    const sent = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    expect(await fireDueSlas(env as SlaEnv, createDb(env.DB), (clock?.dueAt ?? 0) + 1_000)).toEqual({ fired: 2, failed: 0 });
    sent.restore();
    const other = untouched.ownerId === "101" ? "102" : "101";
    expect(sent.bodies.map((m) => m.destinationId).sort()).toEqual(["hubspot", "sales-slack"]);
    await deliver(sent.bodies);

    // The untouched lead: a new owner, in D1 and in HubSpot, with the story in its SLA history.
    const after = (await eventsOf("forms")).find((e) => e.id === untouched.id);
    expect(after?.ownerId).toBe(other);
    const upserts = (await hubspot.requests()).map((r) => r.body).filter((b) => b.includes("untouched@alpha.example"));
    expect(upserts).toHaveLength(2);
    expect(upserts[1]).toContain(`"hubspot_owner_id":"${other}"`);
    // The rewrite is in the lead's line of deliveries to HubSpot, behind the first upsert.
    const rewritten = await deliveriesOf(db, untouched.id);
    const [original, again] = [rewritten.find((d) => !d.id.includes(":sla")), rewritten.find((d) => d.id.includes(":sla1:"))];
    expect(again?.leadId).toBeTruthy();
    expect(again?.leadId).toBe(original?.leadId);
    const history = historyOf((await slaTimerOf(db, untouched.id)) ?? (clock as NonNullable<typeof clock>));
    expect(history.map((h) => h.kind)).toEqual(["started", "missed", "reassigned", "reassigned", "notified"]);
    expect(history[1]?.note).toBe("no contacted within 8s");
    expect(history[2]?.note).toContain(`from ${untouched.ownerId} to ${other}`);
    const slackBodies = JSON.stringify(await slack.requests());
    expect(slackBodies).toContain(`SLA missed: no contacted within 8s; reassigned from ${untouched.ownerId} to ${other}`);

    // The contacted lead keeps its owner; its clock says it was met.
    expect((await eventsOf("forms")).find((e) => e.id === called.id)?.ownerId).toBe(called.ownerId);
    const met = await slaTimerOf(db, called.id);
    expect(met?.status).toBe("met");
    expect(historyOf(met ?? (clock as NonNullable<typeof clock>)).at(-1)?.note).toMatch(/^contacted 0 min after the start, in time$/);
  });

  it("fires nothing twice: a second run finds no clock due", async () => {
    expect(await fireDueSlas(env as SlaEnv, createDb(env.DB), Date.now() + 60_000)).toEqual({ fired: 0, failed: 0 });
  });
});
